package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.ModelFolder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OtherCommandsTest {
    @TempDir
    Path dir;

    @Test
    void convertLlama2cWritesTheSharedWeights() throws Exception {
        Path out = dir.resolve("converted");
        Path llama2c = CliRun.STORIES.resolve("llama2c");
        CliRun run = CliRun.of("convert", "llama2c", "--model", llama2c.resolve("stories260K.bin").toString(),
                "--tokenizer", llama2c.resolve("tok512.bin").toString(), "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(CliRun.STORIES.resolve("tokenizer.json").toFile()),
                json.readTree(out.resolve("tokenizer.json").toFile()));
        Checkpoint shared = ModelFolder.read(CliRun.STORIES);
        Checkpoint converted = ModelFolder.read(out);
        assertEquals(shared.tensors().keySet(), converted.tensors().keySet());
        shared.tensors().forEach((name, t) -> assertTrue(t.bitEquals(converted.tensor(name)), name));
        CliRun again = CliRun.of("convert", "llama2c", "--model", llama2c.resolve("stories260K.bin").toString(),
                "--tokenizer", llama2c.resolve("tok512.bin").toString(), "--out", out.toString());
        assertEquals(1, again.exitCode());
        assertEquals("strata: error: " + out + ": already exists and is not empty; choose another output path or remove it",
                again.lastErrLine());
    }

    @Test
    void generateContinuesLikeThePublishedSample() {
        CliRun run = CliRun.of("generate", "--model", CliRun.STORIES.toString(), "--prompt", "Once upon a time",
                "--max-tokens", "12");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("text  Once upon a time, there was a little girl named Lily."), run.out());
    }

    @Test
    void generateRefusesFewerThanOneNewToken() {
        for (String n : new String[] {"-1", "0"}) {
            CliRun run = CliRun.of("generate", "--model", CliRun.STORIES.toString(), "--prompt", "Once upon a time",
                    "--max-tokens", n);
            assertEquals(2, run.exitCode(), run.err());
            assertEquals("strata: error: --max-tokens must be at least 1, got " + n + " (see strata generate --help)",
                    run.err().strip(), run.err());
            assertEquals("", run.out());
        }
    }

    @Test
    void benchForwardReportsConsistentFigures() throws Exception {
        CliRun run = CliRun.of("bench", "forward", "--shape", "stories260k", "--seq", "64", "--batch", "2",
                "--iterations", "2", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode r = new ObjectMapper().readTree(run.out());
        assertEquals(2 * 64 / r.get("seconds_per_forward").asDouble(), r.get("tokens_per_second").asDouble(), 1e-6);
        assertEquals(r.get("achieved_gflops").asDouble() / r.get("matmul_gflops").asDouble(), r.get("ratio").asDouble(), 1e-9);
        assertEquals(5, r.get("layers").asInt());

        CliRun bad = CliRun.of("bench", "forward", "--shape", "gpt5");
        assertEquals("strata: error: --shape 'gpt5' is not known (expected one of stories260k, tinyllama-1.1b, llama2-7b, "
                + "llama2-13b, llama3-8b, mistral-7b, qwen2-7b)",
                bad.lastErrLine());

        CliRun scale = CliRun.of("bench", "scale", "--model", CliRun.STORIES.toString(), "--layers", "5", "--out",
                dir.resolve("scale").toString());
        assertEquals("strata: error: --layers must be 1..4 for a model of 5 layers, got 5", scale.lastErrLine());
    }
}
