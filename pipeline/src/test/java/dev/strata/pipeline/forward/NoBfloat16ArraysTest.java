package dev.strata.pipeline.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * DJL 0.36's PyTorch engine has no bfloat16 in its type mapping: creating or casting to a BFLOAT16 NDArray ends the
 * JVM with "terminate called without an active exception", which no catch stops (STACK.md). bf16 is a storage type
 * only, widened in Java; this test keeps the type out of every main source.
 */
class NoBfloat16ArraysTest {
    @Test
    void noMainSourceMakesABfloat16NdArray() throws IOException {
        List<String> uses = new ArrayList<>();
        for (Path root : List.of(Path.of("src/main/java"), Path.of("../jobs/src/main/java"))) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    List<String> lines = Files.readAllLines(f);
                    for (int i = 0; i < lines.size(); i++) {
                        if (lines.get(i).contains("DataType.BFLOAT16")) {
                            uses.add(f + ":" + (i + 1));
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), uses, "bf16 NDArrays crash the JVM; widen bf16 to f32 in Java instead");
    }
}
