package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.bench.NoisyCopy;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.ModelFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * strata compress tailor on the shared model and two variants (its layers with seeded noise): the search runs its
 * rounds as Spark tasks, starts from the lowest-BI removal, exports its best candidate, whose figure an independent
 * evaluation of the exported folder reproduces, and a rerun replays the rounds instead of evaluating them again.
 */
class TailorCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void theSearchExportsItsBestCandidateWhoseFigureTheEvaluationReproduces() throws Exception {
        Path v0 = variant(0, 0.02f);
        Path v1 = variant(1, 0.05f);
        Path out = dir.resolve("run");
        String[] args = {"compress", "tailor", "--model", CliRun.STORIES.toString(), "--data",
            CliRun.TINYSTORIES.toString(), "--out", out.toString(), "--seq-len", "128", "--samples", "16", "--master",
            "local[2]", "--layers", "1", "--variants", v0 + "," + v1, "--tasks", "copa", "--trials", "8", "--round-size", "4",
            "--min-budget", "4", "--max-budget", "12", "--data-dir", CliRun.SHARED.resolve("data").toString()};
        CliRun run = CliRun.of(args);
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("tailor 4L"), run.out());

        JsonNode stages = JSON.readTree(out.resolve("run.json").toFile()).get("stages");
        List<JsonNode> trials = new ArrayList<>();
        for (String round : new String[] {"steps/tailor/round-0000", "steps/tailor/round-0001"}) {
            stages.get(round).get("trials").forEach(trials::add);
        }
        assertEquals(8, trials.size());
        // the warm start comes first: the lowest-BI layer removed, the base's layers kept, then each variant's
        JsonNode baseOnly = trials.get(0).get("genotype");
        assertEquals(1, baseOnly.get("removed").size());
        for (JsonNode layer : baseOnly.get("layers")) {
            assertTrue(layer.isNull() || layer.get("variants").isEmpty(), baseOnly.toString());
        }

        JsonNode best = null;
        for (JsonNode t : trials) {
            if (t.get("budget").asInt() == 12 && (best == null
                    || t.get("objectives").get(0).asDouble() < best.get("objectives").get(0).asDouble())) {
                best = t;
            }
        }
        // the trials table: one row per trial and task, a partition per round
        var spark = dev.strata.jobs.spark.Sessions.start("local[1]", "test");
        try {
            var table = spark.read().parquet(out.resolve("search/trials").toString());
            assertEquals(8, table.count());
            assertEquals(2, table.select("round").distinct().count());
            assertEquals(best.get("objectives").get(0).asDouble(), table.filter(table.col("trial")
                    .equalTo(best.get("id").asText())).filter(table.col("budget").equalTo(12)).first()
                    .<Double>getAs("objective"), 0.0);
        } finally {
            spark.stop();
        }

        Path model = out.resolve("models/tailor/best");
        assertEquals(4, ModelFolder.readConfig(model).numLayers());
        String plan = Files.readString(model.resolve("plan.json"));
        assertTrue(plan.contains("gptailor"), plan);

        // the error the search measured for its best, reproduced by the evaluation of the exported folder
        CliRun eval = CliRun.of("eval", "--model", CliRun.STORIES.toString(), "--model", model.toString(), "--tasks",
                "copa", "--half", "second", "--limit", "12", "--data-dir", CliRun.SHARED.resolve("data").toString(),
                "--out", dir.resolve("eval").toString(), "--master", "local[2]");
        assertEquals(0, eval.exitCode(), eval.err());
        JsonNode report = JSON.readTree(dir.resolve("eval/eval/report.json").toFile());
        double acc = report.get("models").get(1).at("/tasks/copa/acc/value").asDouble();
        assertEquals(best.get("objectives").get(0).asDouble(), 1 - acc, 1e-9, best.toString());
        assertEquals(best.at("/figures/0/acc").asDouble(), acc, 1e-9);

        // the report: the exported candidate on the whole held-out half, as the evaluation of its folder finds it
        CliRun whole = CliRun.of("eval", "--model", model.toString(), "--tasks", "copa", "--half", "second",
                "--data-dir", CliRun.SHARED.resolve("data").toString(), "--out", dir.resolve("whole").toString(),
                "--master", "local[1]");
        assertEquals(0, whole.exitCode(), whole.err());
        double wholeAcc = JSON.readTree(dir.resolve("whole/eval/report.json").toFile()).get("models").get(0)
                .at("/tasks/copa/acc/value").asDouble();
        JsonNode references = stages.get("steps/tailor/references").get("references");
        assertEquals(1 + 3 * 5, references.size(), "the candidate, then the base and 2 variants without each layer");
        assertEquals("tailored", references.get(0).get("source").asText());
        assertEquals(best.get("genotype"), references.get(0).get("genotype"));
        assertEquals(1 - wholeAcc, references.get(0).at("/objectives/0").asDouble(), 1e-9);
        assertEquals(50, references.get(0).at("/examples/0").asInt(), "copa's second half");
        String section = Files.readString(out.resolve("reports/tailor.md"));
        assertTrue(section.contains(String.format(java.util.Locale.ROOT, "|tailored (the exported candidate)|%s|%.4f (50)|",
                references.get(0).at("/genotype/removed"), 1 - wholeAcc)), section);
        assertTrue(section.contains("### Pareto front") && section.contains("|8|"), section);
        assertTrue(Files.readString(out.resolve("reports/tailor.html")).contains("<svg"));

        CliRun again = CliRun.of(args);
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.err().contains("steps/tailor/round-0001: reusing"), again.err());
        assertFalse(again.err().contains("Spark tasks"), "trials were evaluated again: " + again.err());
        assertEquals(section, Files.readString(out.resolve("reports/tailor.md")));
        assertEquals(run.out(), again.out());
    }

    @Test
    void aSearchKilledBetweenRoundsContinuesToTheResultOfAnUninterruptedOne() throws Exception {
        Path v0 = variant(0, 0.02f);
        List<String> common = List.of("compress", "tailor", "--model", CliRun.STORIES.toString(), "--data",
                CliRun.TINYSTORIES.toString(), "--seq-len", "128", "--samples", "8", "--master", "local[2]", "--layers",
                "1", "--variants", v0.toString(), "--tasks", "copa", "--trials", "12", "--round-size", "4",
                "--min-budget", "4", "--max-budget", "12", "--no-references", "--data-dir",
                CliRun.SHARED.resolve("data").toString());
        Path clean = dir.resolve("clean");
        CliRun uninterrupted = CliRun.of(with(common, "--out", clean.toString()));
        assertEquals(0, uninterrupted.exitCode(), uninterrupted.err());

        Path killed = dir.resolve("killed");
        Path log = dir.resolve("killed.log");
        Process process = OtherJvm.start(log, with(common, "--out", killed.toString()));
        try {
            OtherJvm.waitForStage(killed, "steps/tailor/round-0000", process, log);
        } finally {
            process.destroyForcibly().waitFor();
        }
        JsonNode stages = JSON.readTree(killed.resolve("run.json").toFile()).get("stages");
        assertFalse(stages.path("steps/tailor/round-0002").path("done").asBoolean(), "killed after it finished");

        CliRun resumed = CliRun.of(with(common, "--out", killed.toString()));
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("steps/tailor/round-0000: reusing"), resumed.err());
        JsonNode expected = JSON.readTree(clean.resolve("run.json").toFile()).get("stages");
        JsonNode actual = JSON.readTree(killed.resolve("run.json").toFile()).get("stages");
        for (String round : List.of("round-0000", "round-0001", "round-0002")) {
            assertEquals(measured(expected.at("/steps~1tailor~1" + round + "/trials")),
                    measured(actual.at("/steps~1tailor~1" + round + "/trials")), round);
        }
        assertFalse(expected.has("steps/tailor/references"), "--no-references scores no references");
        assertEquals(Files.readString(clean.resolve("models/tailor/best/plan.json")),
                Files.readString(killed.resolve("models/tailor/best/plan.json")));
        assertEquals(Files.readString(clean.resolve("reports/tailor.md")),
                Files.readString(killed.resolve("reports/tailor.md")));
    }

    /** What trials proposed and measured, without their timings and hosts. */
    private static List<String> measured(JsonNode trials) {
        List<String> out = new ArrayList<>();
        for (JsonNode t : trials) {
            out.add(t.get("id") + " " + t.get("budget") + " " + t.get("genotype") + " " + t.get("objectives") + " "
                    + t.get("figures"));
        }
        return out;
    }

    private static String[] with(List<String> common, String... more) {
        List<String> args = new ArrayList<>(common);
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void mistakesAreOneLineNamingTheSetting() throws Exception {
        Path v0 = variant(0, 0.02f);
        Path other = dir.resolve("other");
        Files.createDirectories(other);
        for (Path f : Files.list(v0).toList()) {
            Files.copy(f, other.resolve(f.getFileName()));
        }
        Files.writeString(other.resolve("config.json"), Files.readString(other.resolve("config.json"))
                .replaceFirst("\"rms_norm_eps\"\\s*:\\s*[0-9.eE-]+", "\"rms_norm_eps\": 0.001"));
        Path out = dir.resolve("run");
        String[] common = {"compress", "tailor", "--model", CliRun.STORIES.toString(), "--data",
            CliRun.TINYSTORIES.toString(), "--out", out.toString(), "--seq-len", "128", "--samples", "8", "--master",
            "local[1]", "--tasks", "copa", "--trials", "2", "--min-budget", "4", "--max-budget", "4"};
        assertEquals("strata: error: --variants '" + other + "' does not match the model: config key 'rms_norm_eps' "
                + "is 0.001, not 1.0E-5", run(common, "--layers", "1", "--variants", v0 + "," + other).lastErrLine());
        assertEquals("strata: error: --layers 5 must lie in 1..4 (the model has 5 layers, and at least one must stay)",
                run(common, "--layers", "5", "--variants", v0.toString()).lastErrLine());
        assertEquals("strata: error: --merge 'mean' is not a merge operator (expected one of linear, task_arithmetic, "
                + "ties, dare, slerp, passthrough)", run(common, "--layers", "1", "--variants", v0.toString(), "--merge",
                "mean").lastErrLine());
        assertEquals("strata: error: --optimiser 'cma' is not known (expected one of random, hyperband)",
                run(common, "--layers", "1", "--variants", v0.toString(), "--optimiser", "cma").lastErrLine());
    }

    private static CliRun run(String[] common, String... more) {
        List<String> args = new ArrayList<>(List.of(common));
        args.addAll(List.of(more));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(1, r.exitCode(), r.err());
        return r;
    }

    /** The shared model with seeded noise of {@code scale} on every decoder layer's weights. */
    private Path variant(int seed, float scale) {
        Checkpoint base = ModelFolder.read(CliRun.STORIES);
        Path folder = dir.resolve("variant-" + seed);
        ModelFolder.write(NoisyCopy.of(base, seed, scale), folder);
        return folder;
    }
}
