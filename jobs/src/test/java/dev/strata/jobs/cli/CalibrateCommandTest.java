package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** strata calibrate from the command line: bad input before Spark, resuming a killed run, showing scores. */
class CalibrateCommandTest {
    private static final String SPARK_STARTS = "spark: starting";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private CliRun calibrate(String data, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("calibrate", "--model", CliRun.STORIES.toString(), "--data", data,
                "--out", out.toString(), "--master", "local[2]"));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    /** The run fails with {@code expected} as its one error line, before any Spark stage and before writing data. */
    private void assertRefused(CliRun run, Path out, String expected) {
        assertEquals(1, run.exitCode(), run.err());
        assertEquals("strata: error: " + expected, run.lastErrLine());
        assertFalse(run.err().contains(SPARK_STARTS), "Spark started: " + run.err());
        assertFalse(Files.exists(out.resolve("data")), "windows were written");
    }

    @Test
    void aBadMasterIsOneLineBeforeSparkStarts() {
        Path out = dir.resolve("out");
        CliRun run = CliRun.of("calibrate", "--model", CliRun.STORIES.toString(), "--data",
                CliRun.TINYSTORIES.toString(), "--out", out.toString(), "--master", "garbage");
        assertRefused(run, out, "--master 'garbage' is not a Spark master URL (expected local, local[N], local[*], "
                + "local[N,F], local[*,F], local-cluster[N,C,M], spark://HOST:PORT[,HOST:PORT...], yarn or k8s://URL)");
        assertEquals(1, run.err().strip().lines().count(), run.err());
    }

    @Test
    void badInputIsRefusedBeforeSparkStarts() throws Exception {
        Path out = dir.resolve("out");
        Path missing = dir.resolve("missing.txt");
        assertRefused(calibrate(missing.toString(), out), out, "--data " + missing + ": no such file or directory");

        String glob = dir.resolve("*.md").toString();
        assertRefused(calibrate(glob, out), out, "--data " + glob + ": matches no files");

        Path empty = Files.createFile(dir.resolve("empty.txt"));
        assertRefused(calibrate(empty.toString(), out), out, "--data " + empty + ": the file is empty");

        Path emptyDir = Files.createDirectories(dir.resolve("texts"));
        Files.createFile(emptyDir.resolve("a.txt"));
        Files.createFile(emptyDir.resolve("b.txt"));
        assertRefused(calibrate(emptyDir.toString(), out), out, "--data " + emptyDir + ": all 2 files are empty");

        Path binary = Files.write(dir.resolve("binary.txt"), new byte[] {(byte) 0xff, (byte) 0xfe, 0x41});
        assertRefused(calibrate(binary.toString(), out), out, binary + ": not UTF-8 text");

        Path shortText = Files.writeString(dir.resolve("short.txt"), "Once upon a time.");
        assertRefused(calibrate(shortText.toString(), out, "--seq-len", "64"), out, "--data " + shortText
                + ": the text gives 6 tokens (BOS included), fewer than one window of 64 (--seq-len)");
        assertRefused(calibrate(shortText.toString(), out, "--seq-len", "1024"), out,
                "--seq-len 1024 is above max_position_embeddings 512 of " + CliRun.STORIES + "/config.json");
        assertRefused(calibrate(CliRun.TINYSTORIES.toString(), out, "--seq-len", "512", "--samples", "600"), out,
                "--samples 600 is more than the 560 windows of 512 tokens that --data " + CliRun.TINYSTORIES
                        + " gives");
        assertRefused(calibrate(shortText.toString(), out, "--metric", "bleu"), out,
                "--metric 'bleu' is not known (expected ppl-drop; the other scores are always computed)");
        assertRefused(calibrate(shortText.toString(), out, "--batch", "0"), out, "--batch must be at least 1, got 0");

        Path notARun = Files.createDirectories(dir.resolve("not-a-run"));
        Files.writeString(notARun.resolve("notes.txt"), "mine");
        assertRefused(calibrate(shortText.toString(), notARun), notARun, "--out " + notARun
                + ": is not empty (it holds notes.txt) and holds no run.json (not a Strata run folder); use another --out");

        Path noModel = dir.resolve("no-model");
        CliRun run = CliRun.of("calibrate", "--model", noModel.toString(), "--data", shortText.toString(), "--out",
                out.toString());
        assertRefused(run, out, noModel + ": not a model folder (no such directory)");
    }

    @Test
    void killedRunResumesToTheSameResultAndShowsItsScores() throws Exception {
        String[] inputs = {"--seq-len", "512", "--samples", "48", "--seed", "5", "--batch", "4"};
        Path clean = dir.resolve("clean");
        CliRun first = calibrate(CliRun.TINYSTORIES.toString(), clean, inputs);
        assertEquals(0, first.exitCode(), first.err());
        JsonNode expected = JSON.readTree(clean.resolve("scores/original/summary.json").toFile());

        Path killed = dir.resolve("killed");
        Path log = dir.resolve("killed.log");
        List<String> args = new ArrayList<>(List.of("calibrate", "--model", CliRun.STORIES.toString(), "--data",
                CliRun.TINYSTORIES.toString(), "--out", killed.toString(), "--master", "local[2]"));
        args.addAll(List.of(inputs));
        Process process = OtherJvm.start(log, args.toArray(String[]::new));
        try {
            OtherJvm.waitForStage(killed, "data/windows-48", process, log);
        } finally {
            process.destroyForcibly().waitFor();
        }
        JsonNode stages = JSON.readTree(killed.resolve("run.json").toFile()).get("stages");
        assertTrue(stages.path("data/windows-48").path("done").asBoolean());
        assertFalse(stages.path("scores/original").path("done").asBoolean(), "the run was killed after it finished");

        CliRun resumed = calibrate(CliRun.TINYSTORIES.toString(), killed, inputs);
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("data/windows-48: reusing"), resumed.err());
        JsonNode actual = JSON.readTree(killed.resolve("scores/original/summary.json").toFile());
        assertSameNumbers(expected.get("layer_scores"), actual.get("layer_scores"));
        // the tables as CSV too (pandas without pyarrow): the same values as summary.json, written apart
        List<String> layerCsv = Files.readAllLines(killed.resolve("scores/original/layer_scores.csv"));
        assertEquals("run_id,model,step,layer,metric,value", layerCsv.get(0));
        for (String row : layerCsv.subList(1, layerCsv.size())) {
            String[] f = row.split(",");
            assertEquals(actual.at("/layer_scores/" + f[4] + "/" + f[3]).asDouble(), Double.parseDouble(f[5]), 0, row);
        }
        assertEquals(1 + 5 * (4 + 172), Files.readAllLines(killed.resolve("scores/original/channel_scores.csv")).size(),
                "a row for every KV group and MLP neuron of the 5 layers");
        assertSameNumbers(expected.get("block_scores"), actual.get("block_scores"));
        try (Stream<Path> leftovers = Files.walk(killed)) {
            assertEquals(List.of(), leftovers.map(p -> p.getFileName().toString()).filter(n -> n.contains(".partial-")).toList());
        }

        CliRun again = calibrate(CliRun.TINYSTORIES.toString(), killed, inputs);
        assertTrue(again.err().contains("scores/original: reusing"), again.err());
        assertFalse(again.err().contains("scores part"), "scores were computed again: " + again.err());

        String[] otherInputs = inputs.clone();
        otherInputs[1] = "256";
        assertRefused(calibrate(CliRun.TINYSTORIES.toString(), killed, otherInputs), dir.resolve("nothing"),
                "--out " + killed + ": holds another run (seq_len 512 there, 256 here); use another --out or remove the folder");

        CliRun json = CliRun.of("scores", "show", killed.toString(), "--format", "json");
        assertEquals(0, json.exitCode(), json.err());
        assertEquals(actual, JSON.readTree(json.out()));
        CliRun csv = CliRun.of("scores", "show", killed.toString(), "--format", "csv");
        List<String> lines = csv.out().lines().toList();
        assertEquals("table,layer,start,length,metric,value", lines.get(0));
        assertTrue(lines.contains("layer,2,,,block_influence," + actual.at("/layer_scores/block_influence/2").asDouble()));
        CliRun table = CliRun.of("scores", "show", killed.toString());
        assertTrue(table.out().lines().anyMatch(l -> l.trim().startsWith("layer  block_influence")), table.out());
        CliRun missing = CliRun.of("scores", "show", dir.resolve("nowhere").toString());
        assertEquals("strata: error: " + dir.resolve("nowhere") + "/scores/original/summary.json: does not exist (is "
                + dir.resolve("nowhere") + " a finished run?)", missing.lastErrLine());
    }

    private static void assertSameNumbers(JsonNode expected, JsonNode actual) {
        assertEquals(expected.size(), actual.size());
        if (expected.isNumber()) {
            assertEquals(expected.asDouble(), actual.asDouble(), 1e-12 * Math.abs(expected.asDouble()));
        } else if (expected.isContainerNode()) {
            Iterator<String> names = expected.fieldNames();
            if (expected.isArray()) {
                for (int i = 0; i < expected.size(); i++) {
                    assertSameNumbers(expected.get(i), actual.get(i));
                }
            }
            while (names.hasNext()) {
                String n = names.next();
                assertSameNumbers(expected.get(n), actual.get(n));
            }
        } else {
            assertEquals(expected, actual);
        }
    }
}
