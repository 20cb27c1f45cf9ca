package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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

        CliRun again = CliRun.of(args);
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.err().contains("steps/tailor/round-0001: reusing"), again.err());
        assertFalse(again.err().contains("tailor trials: "), "trials were evaluated again: " + again.err());
        assertEquals(run.out(), again.out());
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
        Random random = new Random(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        base.tensors().forEach((name, t) -> {
            if (!name.startsWith("model.layers.")) {
                tensors.put(name, t);
                return;
            }
            float[] values = t.toFloatArray();
            for (int i = 0; i < values.length; i++) {
                values[i] += scale * (float) random.nextGaussian();
            }
            tensors.put(name, Tensor.of(name, t.dtype(), t.shape(), values));
        });
        Path folder = dir.resolve("variant-" + seed);
        ModelFolder.write(new Checkpoint(base.config(), tensors, base.assets()), folder);
        return folder;
    }
}
