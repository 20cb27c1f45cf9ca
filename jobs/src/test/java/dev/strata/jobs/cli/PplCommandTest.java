package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, end to end, and its error messages. */
class PplCommandTest {
    @TempDir
    Path dir;

    @Test
    void sharedModelPerplexityOnTinyStoriesAsJson() throws Exception {
        CliRun run = CliRun.of("ppl", "--model", CliRun.STORIES.toString(), "--data", CliRun.TINYSTORIES.toString(),
                "--seq-len", "512", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode r = new ObjectMapper().readTree(run.out());
        assertEquals(5.0384, r.get("perplexity").asDouble(), 0.001);
        assertEquals(r.get("tokens").asLong() / 512, r.get("windows").asLong());
        assertEquals(r.get("windows").asLong() * 511, r.get("predicted_tokens").asLong());
        assertEquals(Math.exp(r.get("nll").asDouble() / r.get("predicted_tokens").asDouble()),
                r.get("perplexity").asDouble(), 1e-9);
        assertTrue(r.get("tokens_per_second").asDouble() > 0);
        assertTrue(run.err().contains("ppl: 560/560 windows (100%)"), "progress is logged: " + run.err());
    }

    /** --half second measures what a file holding only the text after the middle line break measures. */
    @Test
    void aHalfOfTheTextIsMeasuredAsThatHalfAlone() throws Exception {
        String text = Files.readString(CliRun.TINYSTORIES);
        int cut = text.indexOf('\n', text.length() / 2) + 1;
        Path second = Files.writeString(dir.resolve("second.txt"), text.substring(cut));
        CliRun half = CliRun.of("ppl", "--model", CliRun.STORIES.toString(), "--data", CliRun.TINYSTORIES.toString(),
                "--half", "second", "--windows", "40", "--json");
        CliRun alone = CliRun.of("ppl", "--model", CliRun.STORIES.toString(), "--data", second.toString(),
                "--windows", "40", "--json");
        assertEquals(0, half.exitCode(), half.err());
        JsonNode h = new ObjectMapper().readTree(half.out());
        JsonNode a = new ObjectMapper().readTree(alone.out());
        assertEquals("second", h.get("half").asText());
        assertEquals(a.get("tokens").asLong(), h.get("tokens").asLong());
        assertEquals(a.get("perplexity").asDouble(), h.get("perplexity").asDouble(), 0);
        assertEquals("strata: error: --half middle: expected all, first or second", CliRun.of("ppl", "--model",
                CliRun.STORIES.toString(), "--data", second.toString(), "--half", "middle").lastErrLine());
    }

    @Test
    void computeTypeAndMemoryBudgetAreGlobalAndLastOneCommand() throws Exception {
        String[] ppl = {"ppl", "--model", CliRun.STORIES.toString(), "--data", CliRun.TINYSTORIES.toString(),
            "--seq-len", "128", "--windows", "4", "--json"};
        CliRun f16 = CliRun.of(concat(new String[] {"--dtype", "f16", "--memory-budget", "200k"}, ppl));
        assertEquals(0, f16.exitCode(), f16.err());
        assertTrue(f16.err().contains("streaming from storage") && f16.err().contains("computing in F16"), f16.err());
        CliRun f32 = CliRun.of(ppl); // neither option carries over from the command before
        assertEquals(0, f32.exitCode(), f32.err());
        assertTrue(f32.err().contains("loading whole") && f32.err().contains("computing in F32"), f32.err());
        ObjectMapper json = new ObjectMapper();
        double half = json.readTree(f16.out()).get("perplexity").asDouble();
        double full = json.readTree(f32.out()).get("perplexity").asDouble();
        assertEquals(full, half, 0.005 * full, "F16 within 0.5% of F32");
        assertEquals("strata: error: --dtype bf16: DJL 0.36 cannot compute in bfloat16 (a bfloat16 array ends the JVM); "
                + "use f16 on a GPU, or f32", CliRun.of(concat(new String[] {"--dtype", "bf16"}, ppl)).lastErrLine());
        assertEquals("strata: error: --memory-budget: 'lots' is not a size (expected e.g. 6g, 512m or 6GiB)",
                CliRun.of(concat(new String[] {"--memory-budget", "lots"}, ppl)).lastErrLine());
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void tableOutputForPeople() {
        CliRun run = CliRun.of("ppl", "--model", CliRun.STORIES.toString(), "--data", CliRun.TINYSTORIES.toString(),
                "--seq-len", "64", "--batch", "64");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().lines().anyMatch(l -> l.matches("perplexity\\s+\\d+\\.\\d{4}")), run.out());
    }

    @Test
    void badInputIsOneLineNamingTheCulprit() throws Exception {
        Path missing = dir.resolve("missing.txt");
        CliRun run = CliRun.of("ppl", "--model", CliRun.STORIES.toString(), "--data", missing.toString());
        assertEquals(1, run.exitCode());
        assertEquals("strata: error: " + missing + ": file does not exist", run.err().strip());

        Path noModel = dir.resolve("no-model");
        run = CliRun.of("ppl", "--model", noModel.toString(), "--data", CliRun.TINYSTORIES.toString());
        assertEquals(1, run.exitCode());
        assertEquals("strata: error: " + noModel + ": not a model folder (no such directory)", run.err().strip());

        run = CliRun.of("ppl", "--model", CliRun.STORIES.toString(), "--data", CliRun.TINYSTORIES.toString(),
                "--windows", "0");
        assertEquals("strata: error: --windows must be at least 1, got 0", run.lastErrLine());

        Path shortText = Files.writeString(dir.resolve("short.txt"), "Once upon a time.");
        run = CliRun.of("ppl", "--model", CliRun.STORIES.toString(), "--data", shortText.toString(), "--seq-len", "64");
        assertEquals(1, run.exitCode());
        assertEquals("strata: error: the text gives 6 tokens (BOS included), fewer than one window of 64", run.lastErrLine());

        run = CliRun.of("ppl", "--model", CliRun.STORIES.toString(), "--data", shortText.toString(), "--seq-len", "1024");
        assertEquals("strata: error: --seq-len 1024 is above max_position_embeddings 512 of "
                + CliRun.STORIES.resolve("config.json"), run.lastErrLine());

        run = CliRun.of("ppl", "--model", CliRun.STORIES.toString(), "--data", shortText.toString(), "--device", "tpu");
        assertEquals("strata: error: --device 'tpu' is not a device (expected cpu, gpu or gpu:N)", run.lastErrLine());

        Path binary = Files.write(dir.resolve("binary.txt"), new byte[] {(byte) 0xff, (byte) 0xfe, 0});
        run = CliRun.of("ppl", "--model", CliRun.STORIES.toString(), "--data", binary.toString());
        assertEquals("strata: error: " + binary + ": not UTF-8 text", run.lastErrLine());
    }

    @Test
    void usageErrorsExitWithTwo() {
        CliRun run = CliRun.of("ppl", "--model", CliRun.STORIES.toString());
        assertEquals(2, run.exitCode());
        assertEquals("strata: error: Missing required option: '--data=FILE' (see strata ppl --help)", run.err().strip());
    }
}
