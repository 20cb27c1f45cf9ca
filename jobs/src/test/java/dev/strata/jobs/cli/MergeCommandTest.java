package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.jobs.spark.Sessions;
import dev.strata.pipeline.compress.MergePlan;
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

/** strata merge come: a killed run resumes after its last finished step; per-step scores; bad options. */
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
        assertEquals(3, ModelFolder.readConfig(clean.resolve("models/step-002")).numLayers());

        Path killed = dir.resolve("killed");
        Path log = dir.resolve("killed.log");
        Process process = OtherJvm.start(log, merge(killed, "--target-params", "0.8"));
        try {
            OtherJvm.waitForStage(killed, "merge-step-001", process, log);
        } finally {
            process.destroyForcibly().waitFor();
        }
        JsonNode stages = JSON.readTree(killed.resolve("run.json").toFile()).get("stages");
        assertFalse(stages.path("merge-step-002").path("done").asBoolean(), "the run was killed after it finished");

        CliRun resumed = CliRun.of(merge(killed, "--target-params", "0.8"));
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.err().contains("merge step 1/2: reusing"), resumed.err());
        assertTrue(resumed.err().contains("merge step 2/2: layers"), resumed.err());
        assertArrayEquals(Files.readAllBytes(clean.resolve("models/step-002/model.safetensors")),
                Files.readAllBytes(killed.resolve("models/step-002/model.safetensors")));
        assertEquals(Files.readString(clean.resolve(MergePlan.FILE)), Files.readString(killed.resolve(MergePlan.FILE)));
        MergePlan plan = MergePlan.parse(Files.readString(killed.resolve(MergePlan.FILE)), "merge_plan.json");
        assertEquals(2, plan.steps().size());
        assertEquals(List.of(0, 1, 2, 3, 4), plan.layers().stream().flatMap(l -> l.originalLayers().stream()).toList());

        // each step's scores carry their step; the merged pair is the one with the lowest angular distance
        SparkSession spark = Sessions.start("local[1]", "test");
        try {
            for (int step = 0; step < 2; step++) {
                List<Row> rows = spark.read().parquet(killed.resolve("scores/step-00" + step + "/layer_scores").toString())
                        .where("metric = '" + Metric.PAIR_ANGULAR_LAST.id() + "'").collectAsList();
                int s = step;
                assertTrue(rows.stream().allMatch(r -> r.<Integer>getAs("step") == s));
                assertEquals(4 - step, rows.size(), "pairs of a model with " + (5 - step) + " layers");
                Row lowest = rows.stream().min(Comparator.comparingDouble(r -> r.<Double>getAs("value"))).orElseThrow();
                assertEquals(plan.steps().get(step).pair(), lowest.<Integer>getAs("layer"));
                assertEquals(lowest.<Double>getAs("value"), plan.steps().get(step).pairScore());
            }
        } finally {
            spark.stop();
        }
    }

    @Test
    void badTargetsAndMetricsAreOneLineErrors() {
        Path out = dir.resolve("out");
        assertError(CliRun.of(merge(out, "--target-layers", "5")),
                "--target-layers 5 must lie in 1..4 (the model has 5 layers)");
        assertError(CliRun.of(merge(out, "--target-params", "0.1")),
                "--target-params 0.1 cannot be met: even one layer keeps 0.301 of the parameters");
        assertError(CliRun.of(merge(out, "--target-layers", "3", "--pair-metric", "cosine")),
                "--pair-metric 'cosine' is not known (expected one of angular, bi, ppl-drop)");
        CliRun both = CliRun.of(merge(out, "--target-layers", "3", "--target-params", "0.5"));
        assertEquals(2, both.exitCode());
        assertTrue(both.err().contains("mutually exclusive"), both.err());
        assertFalse(Files.exists(out), "a refused run wrote " + out);
    }

    private static void assertError(CliRun run, String message) {
        assertEquals(1, run.exitCode(), run.err());
        assertEquals("strata: error: " + message, run.lastErrLine());
    }
}
