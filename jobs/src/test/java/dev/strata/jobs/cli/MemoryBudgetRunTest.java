package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.StoredWeights;
import dev.strata.pipeline.model.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite's small version of the 13B-shape proof: a TinyLlama-shape model of two layers whose weights as F32 (836
 * MiB) are far above the 300 MiB of direct memory its JVM may use is calibrated, pruned (ShortGPT, and ReplaceMe's
 * fitted map) and measured there, streamed a layer at a time; its scores equal those of the whole-model pass, the pruned folder holds the kept layer's very
 * bytes, and its perplexity equals the whole-model one.
 */
class MemoryBudgetRunTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long DIRECT_LIMIT = 300L << 20;
    private static final List<String> LIMITED_JVM = List.of("-Xmx1g", "-XX:MaxDirectMemorySize=300m");
    private static final double TOLERANCE = 1e-6;

    @TempDir
    Path dir;

    @Test
    void aModelAboveTheJvmsMemoryIsCalibratedPrunedAndMeasuredStreamed() throws Exception {
        Path model = dir.resolve("tinyllama-2");
        CliRun synth = CliRun.of("synth", "--shape", "tinyllama-1.1b", "--layers", "2", "--tokenizer",
                CliRun.STORIES.toString(), "--out", model.toString());
        assertEquals(0, synth.exitCode(), synth.err());
        StoredWeights stored = ModelFolder.open(model);
        assertTrue(stored.f32Bytes() > DIRECT_LIMIT, "the whole-model path would not fit: " + stored.f32Bytes());

        List<String> calibration = List.of("--model", model.toString(), "--data", CliRun.TINYSTORIES.toString(),
                "--samples", "4", "--seq-len", "48", "--batch", "2", "--master", "local[2]");
        Path streamedRun = dir.resolve("streamed");
        String calibrateLog = inLimitedJvm("calibrate", calibration, "--out", streamedRun.toString());
        assertTrue(calibrateLog.contains("streaming from storage, one layer"), calibrateLog);
        String pruneLog = inLimitedJvm("prune", calibration, "--layers", "1", "--out", streamedRun.toString());
        assertTrue(pruneLog.contains("prune bi 1L"), pruneLog);
        // ReplaceMe's fit reads each layer when its step comes, and its model is written tensor by tensor; a ridge,
        // as 192 calibration tokens span fewer than the 2048 hidden directions
        String replaceLog = inLimitedJvm("compress", concat(List.of("replaceme"), calibration), "--layers", "1",
                "--ridge", "0.01", "--out", streamedRun.toString());
        assertTrue(replaceLog.contains("replaceme 1L"), replaceLog);

        Path wholeRun = dir.resolve("whole");
        List<String> whole = new ArrayList<>(List.of("--memory-budget", "3g", "calibrate"));
        whole.addAll(calibration);
        whole.addAll(List.of("--out", wholeRun.toString()));
        CliRun wholeCalibrate = CliRun.of(whole.toArray(String[]::new));
        assertEquals(0, wholeCalibrate.exitCode(), wholeCalibrate.err());
        assertTrue(wholeCalibrate.err().contains("loading whole"), wholeCalibrate.err());
        assertSameNumbers(JSON.readTree(wholeRun.resolve("scores/original/summary.json").toFile()),
                JSON.readTree(streamedRun.resolve("scores/original/summary.json").toFile()), "summary");

        Path pruned = streamedRun.resolve("models/bi/1L");
        int removed = JSON.readTree(pruned.resolve("plan.json").toFile()).at("/steps/0/parameters/removed/0").asInt();
        Map<String, Tensor> kept = new java.util.LinkedHashMap<>();
        ModelFolder.read(pruned).tensors().forEach(kept::put);
        Map<String, Tensor> original = ModelFolder.read(model).tensors();
        for (Map.Entry<String, Tensor> t : kept.entrySet()) {
            String source = t.getKey().replace("model.layers.0.", "model.layers." + (1 - removed) + ".");
            assertTrue(original.get(source).buffer().equals(t.getValue().buffer()), t.getKey() + " is " + source);
        }

        List<String> ppl = List.of("--model", pruned.toString(), "--data", CliRun.TINYSTORIES.toString(), "--seq-len",
                "48", "--windows", "4", "--batch", "2", "--json");
        JsonNode streamedPpl = JSON.readTree(lastLine(inLimitedJvm("ppl", ppl)));
        CliRun wholePpl = CliRun.of(concat(List.of("ppl"), ppl).toArray(String[]::new));
        assertEquals(0, wholePpl.exitCode(), wholePpl.err());
        assertSameNumbers(JSON.readTree(wholePpl.out()).get("nll"), streamedPpl.get("nll"), "nll");
        assertEquals(4, streamedPpl.get("windows").asInt());
    }

    /** Runs strata in a JVM of 300 MiB of direct memory; its output. */
    private String inLimitedJvm(String command, List<String> options, String... more) throws Exception {
        Path log = Files.createTempFile(dir, command, ".log");
        List<String> args = concat(List.of(command), options);
        args.addAll(List.of(more));
        Process p = OtherJvm.start(log, LIMITED_JVM, args.toArray(String[]::new));
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), command + " did not finish in 300 s");
        String output = Files.readString(log);
        assertEquals(0, p.exitValue(), output);
        return output;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static String lastLine(String text) {
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        int start = lines.size() - 1;
        while (start > 0 && !lines.get(start).startsWith("{")) {
            start--;
        }
        return String.join("\n", lines.subList(start, lines.size()));
    }

    /** Equal trees, numbers to a relative 1e-6 (run ids and paths aside). */
    private static void assertSameNumbers(JsonNode expected, JsonNode actual, String where) {
        if (expected.isNumber()) {
            double e = expected.asDouble();
            assertTrue(Math.abs(e - actual.asDouble()) <= TOLERANCE * Math.abs(e), where + ": " + e + " vs " + actual);
        } else if (expected.isObject()) {
            for (Iterator<String> names = expected.fieldNames(); names.hasNext();) {
                String name = names.next();
                if (!name.equals("run_id") && !name.equals("model")) {
                    assertSameNumbers(expected.get(name), actual.get(name), where + "." + name);
                }
            }
        } else if (expected.isArray()) {
            assertEquals(expected.size(), actual.size(), where);
            for (int i = 0; i < expected.size(); i++) {
                assertSameNumbers(expected.get(i), actual.get(i), where + "[" + i + "]");
            }
        } else {
            assertEquals(expected, actual, where);
        }
    }
}
