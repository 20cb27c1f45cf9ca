package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.Safetensors;
import dev.strata.pipeline.model.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failure is one error line: bad weights before Spark starts, and no page of Spark's logs for a failed task. */
class QuietFailuresTest {
    @TempDir
    Path dir;

    @Test
    void weightsTheConfigDoesNotImplyAreRefusedBeforeSparkStarts() throws Exception {
        Path model = Files.createDirectories(dir.resolve("model"));
        try (Stream<Path> files = Files.list(CliRun.STORIES)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        Path weights = model.resolve("model.safetensors");
        List<Tensor> tensors = new ArrayList<>(Safetensors.read(weights).values());
        tensors.add(Tensor.allocate("model.layers.0.mlp.extra.weight", DType.F32, 4, 4));
        Files.delete(weights);
        Safetensors.write(weights, tensors, Map.of());

        CliRun run = CliRun.of("calibrate", "--model", model.toString(), "--data", CliRun.TINYSTORIES.toString(),
                "--out", dir.resolve("out").toString(), "--master", "local[1]");
        assertEquals(1, run.exitCode(), run.err());
        assertEquals("strata: error: " + weights + ": unexpected tensor 'model.layers.0.mlp.extra.weight' (not part "
                + "of a Llama with 5 layers and tied embeddings)", run.lastErrLine());
        assertFalse(run.err().contains("spark: starting"), run.err());
    }

    @Test
    void aTaskThatFailsPrintsOneErrorLineAndNoSparkLogs() throws Exception {
        Path out = dir.resolve("run");
        String[] args = {"calibrate", "--model", CliRun.STORIES.toString(), "--data", CliRun.TINYSTORIES.toString(),
            "--out", out.toString(), "--master", "local[2]", "--seq-len", "64", "--samples", "16"};
        Path first = dir.resolve("first.log");
        Process process = OtherJvm.start(first, args);
        try {
            OtherJvm.waitForStage(out, "data/windows-16", process, first);
        } finally {
            process.destroyForcibly().waitFor();
        }
        // the windows on disk go bad at their size (a bad disk): their footers are overwritten, so the scoring tasks
        // fail reading them (a file of another size would be noticed on the driver and written again)
        try (Stream<Path> files = Files.walk(out.resolve("data/windows-16"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".parquet")).toList()) {
                byte[] bytes = Files.readAllBytes(f);
                java.util.Arrays.fill(bytes, Math.max(4, bytes.length - 120), bytes.length - 8, (byte) 0x7f);
                Files.write(f, bytes);
            }
        }
        Path second = dir.resolve("second.log");
        Process resumed = OtherJvm.start(second, args);
        assertTrue(resumed.waitFor(120, TimeUnit.SECONDS), "the resumed run did not end");
        // the test classpath alone has two SLF4J providers (S3Proxy brings Logback); the launcher's has one
        // (and the killed run's lock is taken over, which Strata says in one line of its own)
        String log = Files.readString(second).lines().filter(l -> !l.startsWith("SLF4J(") && !l.contains("RunLock"))
                .collect(java.util.stream.Collectors.joining("\n"));
        assertEquals(1, resumed.exitValue(), log);
        assertEquals(1, log.lines().filter(l -> l.startsWith("strata: error: ")).count(), log);
        assertTrue(log.lines().count() <= 8, "more than a handful of lines:\n" + log);
        assertFalse(log.contains("ERROR") || log.contains("WARN") || log.contains("\tat "), log);
    }
}
