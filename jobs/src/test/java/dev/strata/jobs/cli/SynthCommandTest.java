package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * strata synth writes a model far larger than its JVM's memory (a TinyLlama-shape layer, 350 MB of bf16, under a
 * 96 MB heap and 16 MB of direct memory, where the loaded model alone would take 700 MB of F32), sharded like the
 * hub's; its headers agree with its config, and its bytes follow from the seed.
 */
class SynthCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aModelLargerThanTheJvmsMemoryIsWrittenInShardsTheSameForTheSameSeed() throws Exception {
        Path out = dir.resolve("tiny");
        Path log = dir.resolve("synth.log");
        Process synth = OtherJvm.start(log, List.of("-Xmx96m", "-XX:MaxDirectMemorySize=16m"), "synth", "--shape",
                "tinyllama-1.1b", "--layers", "1", "--dtype", "bf16", "--shard-size", "100000000", "--out",
                out.toString());
        assertTrue(synth.waitFor(300, TimeUnit.SECONDS), "synth did not finish in 300 s");
        assertEquals(0, synth.exitValue(), Files.readString(log));

        LlamaConfig config = ModelFolder.check(out); // every header against config.json
        assertEquals(1, config.numLayers());
        assertEquals(2048, config.hiddenSize());
        long parameters = 2L * 32000 * 2048 + (2048L * 2048 * 2 + 2L * 2048 * 256 + 3L * 2048 * 5632 + 2 * 2048)
                + 2048;
        JsonNode index = JSON.readTree(out.resolve(ModelFolder.INDEX_FILE).toFile());
        assertEquals(2 * parameters, index.at("/metadata/total_size").asLong(), "bf16: two bytes per parameter");
        List<String> shards;
        try (var files = Files.list(out)) {
            shards = files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".safetensors")).sorted()
                    .toList();
        }
        assertEquals(3, shards.size(), "the embedding, the layer, the head: " + shards);

        Path again = dir.resolve("again");
        CliRun second = CliRun.of("synth", "--shape", "tinyllama-1.1b", "--layers", "1", "--dtype", "bf16",
                "--shard-size", "100000000", "--out", again.toString());
        assertEquals(0, second.exitCode(), second.err());
        for (String shard : shards) {
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(out.resolve(shard)),
                    Files.readAllBytes(again.resolve(shard))), "the same seed, the same bytes: " + shard);
        }
    }

    @Test
    void mistakesAreOneLine() throws Exception {
        assertEquals("strata: error: --dtype 'f8' is not a storage type (expected f32, f16 or bf16)",
                CliRun.of("synth", "--shape", "stories260k", "--dtype", "f8", "--out", dir.resolve("a").toString())
                        .lastErrLine());
        assertEquals("strata: error: --shape 'gpt2' is not known (expected one of stories260k, tinyllama-1.1b, "
                + "llama2-7b, llama2-13b, llama3-8b, mistral-7b, qwen2-7b)", CliRun.of("synth", "--shape", "gpt2", "--out",
                        dir.resolve("b").toString()).lastErrLine());
        assertEquals("strata: error: --layers must be at least 1, got 0", CliRun.of("synth", "--shape", "stories260k",
                "--layers", "0", "--out", dir.resolve("c").toString()).lastErrLine());
        assertEquals("strata: error: --tokenizer " + dir + ": no tokenizer.json there", CliRun.of("synth", "--shape",
                "stories260k", "--tokenizer", dir.toString(), "--out", dir.resolve("d").toString()).lastErrLine());
        Path taken = Files.createDirectories(dir.resolve("taken"));
        Files.writeString(taken.resolve("notes.txt"), "mine");
        assertEquals("strata: error: " + taken + ": already exists and is not empty; choose another output path or "
                + "remove it", CliRun.of("synth", "--shape", "stories260k", "--out", taken.toString()).lastErrLine());
    }
}
