package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.jobs.spark.Sessions;
import dev.strata.pipeline.compress.Plan;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.score.Metric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * strata merge come (compress come without distillation): a killed run resumes after its last finished step;
 * per-step scores; bad options.
 */
class MergeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] INPUTS = {"--seq-len", "128", "--samples", "16", "--batch", "4", "--master", "local[2]"};

    @TempDir
    Path dir;

    private static String[] merge(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("merge", "come", "--model", CliRun.STORIES.toString(), "--data",
                CliRun.TINYSTORIES.toString(), "--out", out.toString()));
        args.addAll(List.of(INPUTS));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void killedMergeResumesAfterItsLastStepAndEndsWithTheSameModel() throws Exception {
        // 0.8 of stories260K's parameters: 4 layers keep 0.83, 3 layers 0.65, so the target is 3 layers
        Path clean = dir.resolve("clean");
        CliRun first = CliRun.of(merge(clean, "--target-params", "0.8"));
        assertEquals(0, first.exitCode(), first.err());
        assertEquals(3, ModelFolder.readConfig(clean.resolve("models/come/step-002")).numLayers());
        assertFalse(Files.exists(clean.resolve("models/come/distill-3L")), "merge come distilled");

        Path killed = dir.resolve("killed");
        Path log = dir.resolve("killed.log");
        Process process = OtherJvm.start(log, merge(killed, "--target-params", "0.8"));
        try {
            OtherJvm.waitForStage(killed, "models/come/step-001", process, log);
        } finally {
            process.destroyForcibly().waitFor();
        }
        JsonNode stages = JSON.readTree(killed.resolve("run.json").toFile()).get("stages");
        assertFalse(stages.path("models/come/step-002").path("done").asBoolean(), "the run was killed after it finished");

        CliRun resumed = CliRun.of(merge(killed, "--target-params", "0.8"));
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("models/come/step-001: reusing"), resumed.err());
        assertTrue(resumed.err().contains("merge step 2/2: layers"), resumed.err());
        Path last = Path.of("models/come/step-002");
        assertArrayEquals(Files.readAllBytes(clean.resolve(last).resolve("model.safetensors")),
                Files.readAllBytes(killed.resolve(last).resolve("model.safetensors")));
        assertEquals(Files.readString(clean.resolve(last).resolve(Plan.FILE)),
                Files.readString(killed.resolve(last).resolve(Plan.FILE)));
        Plan plan = Plan.parse(Files.readString(killed.resolve(last).resolve(Plan.FILE)), "plan.json");
        assertEquals(2, plan.steps().size());
        assertEquals(List.of("come", "come"), plan.steps().stream().map(Plan.PlanStep::method).toList());
        assertEquals(List.of(0, 1, 2, 3, 4), plan.layers().stream().flatMap(l -> l.originalLayers().stream()).toList());

        // each step's scores carry their step; the merged pair is the one with the lowest angular distance
        SparkSession spark = Sessions.start("local[1]", "test");
        try {
            for (int step = 0; step < 2; step++) {
                String scores = step == 0 ? "scores/original" : "scores/come/step-00" + step;
                List<Row> rows = spark.read().parquet(killed.resolve(scores + "/layer_scores").toString())
                        .where("metric = '" + Metric.PAIR_ANGULAR_LAST.id() + "'").collectAsList();
                int s = step;
                assertTrue(rows.stream().allMatch(r -> r.<Integer>getAs("step") == s));
                assertEquals(4 - step, rows.size(), "pairs of a model with " + (5 - step) + " layers");
                Row lowest = rows.stream().min(Comparator.comparingDouble(r -> r.<Double>getAs("value"))).orElseThrow();
                JsonNode merge = plan.steps().get(step).parameters();
                assertEquals(merge.get("pair").asInt(), lowest.<Integer>getAs("layer"));
                assertEquals(lowest.<Double>getAs("value"), merge.get("pair_score").asDouble());
            }
        } finally {
            spark.stop();
        }

        // scores show lists what the run holds and shows any of its tables
        CliRun show = CliRun.of("scores", "show", killed.toString(), "--name", "come/step-001", "--format", "json");
        assertEquals(0, show.exitCode(), show.err());
        assertTrue(show.err().contains("holds score tables [come/step-001, original] and models [come/step-001, "
                + "come/step-002]"), show.err());
        assertEquals(1, new com.fasterxml.jackson.databind.ObjectMapper().readTree(show.out()).get("step").asInt());
        assertEquals("strata: error: " + killed + ": no score table 'come/step-9' (the run has [come/step-001, "
                + "original])", CliRun.of("scores", "show", killed.toString(), "--name", "come/step-9").lastErrLine());
    }

    @Test
    void badTargetsAndMetricsAreOneLineErrors() {
        Path out = dir.resolve("out");
        assertError(CliRun.of(merge(out, "--layers", "5")),
                "--layers 5 must lie in 1..4 (the model has 5 layers, and at least one must stay)");
        assertError(CliRun.of(merge(out, "--target-params", "0.1")),
                "--target-params 0.1 cannot be met: removing 4 of 5 layers keeps 0.301 of the parameters");
        assertError(CliRun.of(merge(out, "--target-params", "1.5")),
                "--target-params must lie strictly between 0 and 1, got 1.5");
        assertError(CliRun.of(merge(out, "--layers", "2", "--pair-metric", "cosine")),
                "--pair-metric 'cosine' is not known (expected one of angular, bi, ppl-drop)");
        assertError(CliRun.of(merge(out, "--layers", "2", "--target-params", "0.5")),
                "--layers or --target-params: give exactly one of them");
        assertError(CliRun.of(merge(out, "--layers", "two")), "--layers must be an integer, got 'two'");
        assertFalse(Files.exists(out), "a refused run wrote " + out);
    }

    private static void assertError(CliRun run, String message) {
        assertEquals(1, run.exitCode(), run.err());
        assertEquals("strata: error: " + message, run.lastErrLine());
    }
}
