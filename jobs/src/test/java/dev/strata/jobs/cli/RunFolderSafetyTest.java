package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No rerun returns results computed from inputs that have since changed: runs are identified by content, finished
 * stages are reused only while their files are whole, and one process at a time works in a run folder.
 */
class RunFolderSafetyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LOCK = ".strata.lock";

    @TempDir
    Path dir;

    private static String[] calibrate(Path model, Path data, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("calibrate", "--model", model.toString(), "--data", data.toString(),
                "--out", out.toString(), "--seq-len", "64", "--samples", "12", "--batch", "4", "--master", "local[2]"));
        args.addAll(Arrays.asList(more));
        return args.toArray(String[]::new);
    }

    private static CliRun ok(String... args) {
        CliRun run = CliRun.of(args);
        assertEquals(0, run.exitCode(), run.err());
        return run;
    }

    private static JsonNode scores(Path out) throws Exception {
        return JSON.readTree(out.resolve("scores/original/summary.json").toFile()).get("layer_scores");
    }

    /** The first {@code chars} characters of the shared TinyStories text, written to {@code file}. */
    private static Path text(Path file, int chars) throws Exception {
        return Files.writeString(file, Files.readString(CliRun.TINYSTORIES).substring(0, chars));
    }

    @Test
    void aRerunAfterTheDataChangedIsRefusedOrComputedAgainFromTheNewText() throws Exception {
        Path data = text(dir.resolve("in.txt"), 20_000);
        Path out = dir.resolve("run");
        ok(calibrate(CliRun.STORIES, data, out));
        JsonNode before = scores(out);

        // Same size, other content: the words of the first half and the second half swapped.
        String old = Files.readString(data);
        Files.writeString(data, old.substring(10_000) + old.substring(0, 10_000));
        CliRun refused = CliRun.of(calibrate(CliRun.STORIES, data, out));
        assertEquals(1, refused.exitCode(), refused.err());
        assertEquals("strata: error: --out " + out + ": the data " + data + " changed since this folder's run (in.txt: "
                + "its content differs); rerun with --recompute to compute every stage again, or use another folder",
                refused.lastErrLine());
        assertFalse(refused.err().contains("reusing"), refused.err());
        assertEquals(before, scores(out), "the refused run touched the folder");

        CliRun recomputed = ok(calibrate(CliRun.STORIES, data, out, "--recompute"));
        assertTrue(recomputed.err().contains("computing every stage again"), recomputed.err());
        assertFalse(recomputed.err().contains("reusing"), recomputed.err());
        Path fresh = dir.resolve("fresh");
        ok(calibrate(CliRun.STORIES, data, fresh));
        assertEquals(scores(fresh), scores(out), "the recomputed run differs from a fresh run on the new text");
        assertNotEquals(before, scores(out));

        Files.writeString(data, "More text.", StandardOpenOption.APPEND);
        assertTrue(CliRun.of(calibrate(CliRun.STORIES, data, fresh)).lastErrLine().contains(
                "(in.txt: 20,000 bytes there, 20,010 here)"));
    }

    @Test
    void aRerunAfterTheModelChangedIsRefusedNamingTheFile() throws Exception {
        Path model = Files.createDirectories(dir.resolve("model"));
        try (Stream<Path> files = Files.list(CliRun.STORIES)) {
            for (Path f : files.toList()) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        Path data = text(dir.resolve("in.txt"), 20_000);
        Path out = dir.resolve("run");
        ok(calibrate(model, data, out));
        byte[] weights = Files.readAllBytes(model.resolve("model.safetensors"));
        weights[weights.length - 3] ^= 0x01; // one bit of the last weight
        Files.write(model.resolve("model.safetensors"), weights);
        CliRun refused = CliRun.of(calibrate(model, data, out));
        assertEquals("strata: error: --out " + out + ": the model " + model + " changed since this folder's run "
                + "(model.safetensors: its content differs); rerun with --recompute to compute every stage again, or "
                + "use another folder", refused.lastErrLine());
    }

    @Test
    void finishedStagesWhoseFilesAreDamagedAreComputedAgain() throws Exception {
        Path data = text(dir.resolve("in.txt"), 20_000);
        Path out = dir.resolve("run");
        String[] prune = {"compress", "bi", "--model", CliRun.STORIES.toString(), "--data", data.toString(), "--out",
            out.toString(), "--seq-len", "64", "--samples", "12", "--batch", "4", "--master", "local[2]", "--layers", "1"};
        ok(prune);
        Path weights = out.resolve("models/bi/4L/model.safetensors");
        byte[] made = Files.readAllBytes(weights);
        JsonNode scored = scores(out);

        Files.delete(weights);
        Path windows;
        try (Stream<Path> files = Files.list(out.resolve("data/windows-12"))) {
            windows = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
        byte[] part = Files.readAllBytes(windows);
        Files.write(windows, Arrays.copyOf(part, part.length / 2));
        CliRun again = ok(prune);
        assertTrue(again.err().contains(weights + " is missing; computing the stage again"), again.err());
        assertTrue(again.err().contains(windows + " has " + String.format("%,d", part.length / 2) + " bytes, "
                + String.format("%,d", part.length) + " when it was written; computing the stage again"), again.err());
        assertArrayEquals(made, Files.readAllBytes(weights));
        assertEquals(scored, scores(out));

        CliRun whole = ok(prune);
        assertTrue(whole.err().contains("models/bi/4L: reusing"), whole.err());
        assertFalse(whole.err().contains("computing the stage again"), whole.err());
    }

    @Test
    void aFolderAnotherLiveProcessHoldsIsRefusedAndAStaleLockIsTakenOver() throws Exception {
        Path data = text(dir.resolve("in.txt"), 20_000);
        Path out = Files.createDirectories(dir.resolve("run"));
        Process holder = new ProcessBuilder("sleep", "60").start();
        try {
            Files.writeString(out.resolve(LOCK), lock(holder.pid()));
            CliRun refused = CliRun.of(calibrate(CliRun.STORIES, data, out));
            assertEquals(1, refused.exitCode(), refused.err());
            String line = refused.lastErrLine();
            assertTrue(line.startsWith("strata: error: --out " + out + ": in use by another strata process (pid "
                    + holder.pid() + " on " + InetAddress.getLocalHost().getHostName() + " since "), line);
            assertTrue(line.endsWith("); wait for it to finish, or remove " + out.resolve(LOCK) + " if it is gone"), line);
            assertFalse(Files.exists(out.resolve("run.json")));
        } finally {
            holder.destroyForcibly().waitFor();
        }
        CliRun takenOver = ok(calibrate(CliRun.STORIES, data, out));
        assertTrue(takenOver.err().contains("taking over the lock of a process that is gone"), takenOver.err());
        assertTrue(takenOver.err().contains("process " + holder.pid() + " no longer runs"), takenOver.err());
        assertFalse(Files.exists(out.resolve(LOCK)), "the lock outlived the command");
    }

    @Test
    void aSecondProcessOnTheSameFolderStopsAtOnceWithOneLine() throws Exception {
        Path out = dir.resolve("run");
        Path log = dir.resolve("first.log");
        String[] args = {"calibrate", "--model", CliRun.STORIES.toString(), "--data", CliRun.TINYSTORIES.toString(),
            "--out", out.toString(), "--seq-len", "512", "--samples", "64", "--batch", "4", "--master", "local[2]"};
        Process first = OtherJvm.start(log, args);
        try {
            OtherJvm.waitForStage(out, "data/windows-64", first, log);
            CliRun second = CliRun.of(args);
            assertEquals(1, second.exitCode(), second.err());
            assertTrue(second.lastErrLine().contains("in use by another strata process (pid " + first.pid()),
                    second.err());
            assertFalse(second.err().contains("spark: starting"), second.err());
            assertEquals(0, first.waitFor(), Files.readString(log));
        } finally {
            first.destroyForcibly().waitFor();
        }
    }

    @Test
    void aHalfOfTheDataCalibratesAsThatHalfWrittenOutAndIsPartOfTheRunsIdentity() throws Exception {
        Path data = text(dir.resolve("in.txt"), 40_000);
        Path firstHalf = Files.writeString(dir.resolve("first.txt"),
                dev.strata.pipeline.eval.DataHalf.FIRST.of(Files.readString(data)));
        ok(calibrate(CliRun.STORIES, data, dir.resolve("half"), "--data-half", "first"));
        ok(calibrate(CliRun.STORIES, firstHalf, dir.resolve("written")));
        assertEquals(scores(dir.resolve("written")), scores(dir.resolve("half")));
        assertEquals("strata: error: --out " + dir.resolve("half") + ": holds another run (data_half \"first\" there, "
                + "unset here); use another --out or remove the folder",
                CliRun.of(calibrate(CliRun.STORIES, data, dir.resolve("half"))).lastErrLine());
    }

    @Test
    void aFolderHoldingOnlyHiddenFilesIsNotEmpty() throws Exception {
        Path out = Files.createDirectories(dir.resolve("repo/.git"));
        CliRun refused = CliRun.of(calibrate(CliRun.STORIES, text(dir.resolve("in.txt"), 20_000), out.getParent()));
        assertEquals("strata: error: --out " + out.getParent() + ": is not empty (it holds .git) and holds no run.json "
                + "(not a Strata run folder); use another --out", refused.lastErrLine());
    }

    private static String lock(long pid) throws Exception {
        return JSON.createObjectNode().put("host", InetAddress.getLocalHost().getHostName()).put("pid", pid)
                .put("token", "t").put("started", "2026-12-02T00:00:00Z").put("command", "strata calibrate")
                .toString();
    }
}
