package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** strata eval from the command line: bad input refused before Spark starts, and the printed report. */
class EvalCommandTest {
    @TempDir
    Path dir;

    private CliRun eval(String... more) {
        List<String> args = new ArrayList<>(List.of("eval", "--model", CliRun.STORIES.toString(), "--out",
                dir.resolve("out").toString(), "--master", "local[2]"));
        args.addAll(List.of(more));
        if (!args.contains("--data-dir")) {
            args.addAll(List.of("--data-dir", CliRun.SHARED.resolve("data").toString()));
        }
        return CliRun.of(args.toArray(String[]::new));
    }

    private void assertRefused(CliRun run, String expected) {
        assertEquals(1, run.exitCode(), run.err());
        assertEquals("strata: error: " + expected, run.lastErrLine());
        assertFalse(run.err().contains("spark: starting"), run.err());
        assertFalse(Files.exists(dir.resolve("out")), "nothing is written");
    }

    @Test
    void badInputIsRefusedBeforeSparkStarts() throws Exception {
        assertRefused(eval("--tasks", "copa,mmlu"), "--tasks 'mmlu' is not a task (known: piqa, hellaswag, winogrande, "
                + "arc_easy, arc_challenge, boolq, openbookqa, copa, siqa, lambada, wikitext, tinystories, or all)");
        Path missing = dir.resolve("no-data");
        assertRefused(eval("--tasks", "copa", "--data-dir", missing.toString()), "--data-dir " + missing + ": not a directory");
        Path data = Files.createDirectories(dir.resolve("data/mc"));
        Files.writeString(data.resolve("copa.jsonl"), "{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": 0}\n{\"query\": 3}\n");
        assertRefused(eval("--tasks", "copa", "--data-dir", dir.resolve("data").toString()),
                data.resolve("copa.jsonl") + ":2: no string 'query'");
        assertRefused(eval("--tasks", "copa", "--limit", "0"), "--limit must be at least 1, got 0");
        assertRefused(eval("--tasks", "copa", "--model", CliRun.STORIES.toString()),
                "--model " + CliRun.STORIES + " is given twice");
        Path noModel = dir.resolve("no-model");
        CliRun run = CliRun.of("eval", "--model", noModel.toString(), "--tasks", "copa", "--out", dir.resolve("out").toString(),
                "--data-dir", CliRun.SHARED.resolve("data").toString());
        assertRefused(run, noModel + ": not a model folder (no such directory)");
    }

    @Test
    void printsTheMarkdownReport() {
        CliRun run = eval("--tasks", "copa,lambada", "--limit", "8");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("|Tasks|Metric| |Value| |Stderr|"), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith("|copa|acc|↑|")), run.out());
        assertTrue(Files.exists(dir.resolve("out/eval/report.html")));
    }
}
