package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.compress.Plan;
import dev.strata.pipeline.model.ModelFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped streamline recipe end to end on the shared model. It runs LLM-Streamline, CoMe, ShortGPT and ReplaceMe
 * (with the settings of the CoMe recipe, as RecipeTest asserts), so one run shows every method's claim on TinyStories
 * perplexity, measured on the half of the text that no model was calibrated or trained on: a trained replacement
 * beats the untrained prune for blocks of 1 and 2 layers; merge + distillation beats merge alone and the ShortGPT
 * baseline at 4 and at 3 layers; ReplaceMe's linear map beats the untrained removal of the
 * same block; every row sits in one report table with stability; the exported folder reloads with the reported
 * perplexity; a second run reuses every stage.
 */
class RunCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Windows (and examples) of each task the test evaluates. */
    private static final int LIMIT = 96;

    @TempDir
    Path dir;

    @Test
    void theStreamlineRecipeBeatsTheUntrainedPruneBesideCoMeWhichBeatsMergingAloneAndShortGpt() throws Exception {
        Path out = dir.resolve("streamline");
        // the shipped recipe, its paths (relative to the repository root, where people run it) made absolute; the
        // evaluation limited to the first windows and examples of each task, which keeps the suite's time in bounds
        Path recipe = dir.resolve("streamline-stories260k.yaml");
        Files.writeString(recipe, Files.readString(Path.of("../conf/recipes/streamline-stories260k.yaml"))
                .replace("../shared/", CliRun.SHARED + "/").replace("\nevaluate:\n", "\nevaluate:\n  limit: " + LIMIT + "\n"));
        assertTrue(Files.readString(recipe).contains("  limit: " + LIMIT), "the evaluation is limited");
        CliRun run = CliRun.of("run", recipe.toString(), "--out", out.toString(), "--master", "local[2]");
        assertEquals(0, run.exitCode(), run.err() + run.out());
        String losses = run.err().lines().filter(l -> l.contains("RunDriver") || l.contains("Progress - distill")
                || l.contains("Progress - train")).reduce("", (a, b) -> a + "\n" + b);
        JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
        double original = ppl(report, "original 5L");

        for (int block : new int[] {1, 2}) {
            double untrained = ppl(report, "streamline none " + block + "-block");
            for (String kind : new String[] {"ffn", "layer"}) {
                double trained = ppl(report, "streamline " + kind + " " + block + "-block");
                assertTrue(trained < untrained, block + "-block " + kind + ": trained " + trained + " vs untrained "
                        + untrained + losses);
            }
        }
        for (int layers : new int[] {4, 3}) {
            double merged = ppl(report, "come merge " + layers + "L");
            double distilled = ppl(report, "come merge+distill " + layers + "L");
            double shortGpt = ppl(report, "prune bi " + layers + "L");
            assertTrue(distilled > original, layers + " layers: merge + distill " + distilled + losses);
            assertTrue(distilled < merged, layers + " layers: merge + distill " + distilled + " vs merge alone " + merged);
            assertTrue(distilled < shortGpt, layers + " layers: merge + distill " + distilled + " vs ShortGPT " + shortGpt);
        }
        // ReplaceMe removes the block the untrained prune removes, and its linear map makes up for part of the loss
        for (int block : new int[] {1, 2}) {
            int layers = 5 - block;
            JsonNode replaceMe = planStep(out.resolve("models/replaceme/" + layers + "L"), 0);
            JsonNode prune = planStep(out.resolve("models/streamline/none-" + block), 0);
            assertEquals(prune.get("start").asInt(), replaceMe.get("start").asInt(), "the same block");
            double untrained = ppl(report, "streamline none " + block + "-block");
            double linear = ppl(report, "replaceme " + layers + "L");
            assertTrue(linear < untrained, block + "-block: ReplaceMe " + linear + " vs untrained " + untrained);
        }
        // one table compares every model with the original, stability beside accuracy
        String markdown = Files.readString(out.resolve("report.md"));
        String header = markdown.lines().filter(l -> l.startsWith("|Task|Metric|original 5L|")).findFirst().orElse("");
        for (String label : new String[] {"streamline none 2-block", "streamline ffn 2-block", "come merge+distill 3L",
            "prune bi 3L", "replaceme 3L"}) {
            assertTrue(header.contains("|" + label + "|retained|stability|"), label + " missing in " + header);
        }
        assertTrue(markdown.contains("|come merge+distill 3L|come|3|169,152|65.1%|models/come/distill-3L|"), markdown);
        // the first screen: a row per model, the best of each size marked; calibration and evaluation text disjoint
        String overview = markdown.substring(markdown.indexOf("## Which model to ship"), markdown.indexOf("## Models"));
        assertEquals(report.get("models").size(), overview.lines().filter(l -> l.startsWith("|") && !l.startsWith("|Model|")
                && !l.startsWith("|---")).count(), overview);
        assertTrue(overview.contains("★ best 3L"), overview);
        assertTrue(markdown.contains("No evaluated text was read by the calibration or the training."), markdown);
        assertEquals("tinystories/valid.txt, second half", report.at("/tasks/tinystories/source").asText());
        assertTrue(markdown.contains("|streamline ffn 2-block|train ffn for layers 2..3 (mse)|"),
                "the replacement's training row is missing: " + markdown);
        assertTrue(markdown.contains("|come merge+distill 3L|distill model|"), "stage 2's row is missing: " + markdown);
        for (JsonNode m : report.get("models")) {
            if (m.get("model").asText().equals("original 5L")) {
                continue;
            }
            double stability = m.at("/tasks/copa/stability").asDouble(Double.NaN);
            assertTrue(stability >= 0 && stability <= 1, m.get("model") + ": copa stability " + stability);
        }
        assertTrue(run.out().startsWith("# streamline-stories260k"), run.out());

        // the exported product reloads anywhere a Llama loads, with the perplexity the pipeline reported
        assertEquals(3 + 1, ModelFolder.readConfig(out.resolve("model")).numLayers(), "3 layers and the FFN");
        CliRun reload = CliRun.of("eval", "--model", CliRun.STORIES.toString(), "--model", out.resolve("model").toString(),
                "--tasks", "tinystories", "--half", "second", "--limit", "" + LIMIT, "--data-dir", CliRun.SHARED.resolve("data").toString(),
                "--out", dir.resolve("reload").toString(), "--master", "local[2]");
        assertEquals(0, reload.exitCode(), reload.err());
        double reloaded = ppl(JSON.readTree(dir.resolve("reload/eval/report.json").toFile()),
                "file:" + out.resolve("model"));
        assertEquals(ppl(report, "streamline ffn 2-block"), reloaded, 1e-4, nonFinite(out.resolve("model")) + losses);

        CliRun again = CliRun.of("run", recipe.toString(), "--out", out.toString(), "--master", "local[2]");
        assertEquals(0, again.exitCode(), again.err());
        for (String reused : new String[] {"models/come/step-002: reusing", "models/come/distill-3L: reusing",
            "models/bi/3L: reusing", "models/streamline/ffn-2: reusing", "models/replaceme/3L: reusing",
            "loglik: reusing", "model: reusing", "report: reusing"}) {
            assertTrue(again.err().contains(reused), reused + " missing in " + again.err());
        }
        assertFalse(again.err().contains("Progress - distill") || again.err().contains("Progress - train"),
                "training ran again");
    }

    private static JsonNode planStep(Path model, int step) throws Exception {
        return Plan.parse(Files.readString(model.resolve(Plan.FILE)), "plan.json").steps().get(step).parameters();
    }

    /** The exported tensors holding a value that is not finite, for failure messages. */
    private static String nonFinite(Path model) {
        StringBuilder out = new StringBuilder("non-finite tensors of " + model + ":");
        if (Files.isDirectory(model)) {
            ModelFolder.read(model).tensors().forEach((name, t) -> {
                for (float v : t.toFloatArray()) {
                    if (!Float.isFinite(v)) {
                        out.append(' ').append(name);
                        return;
                    }
                }
            });
        }
        return out.toString();
    }

    private static double ppl(JsonNode report, String model) {
        for (JsonNode m : report.get("models")) {
            if (m.get("model").asText().equals(model)) {
                JsonNode value = m.at("/tasks/tinystories/token_perplexity/value");
                return value.isNumber() ? value.asDouble() : Double.NaN; // NaN fails every comparison below
            }
        }
        throw new AssertionError("no model " + model + " in the report");
    }

    @Test
    void aBadRecipeIsOneLineNamingTheKey() throws Exception {
        Path recipe = dir.resolve("bad.yaml");
        String methods = "methods: [{come: {layers: 1}}, {bi: {layers: [1, 2]}}]\n";
        Files.writeString(recipe, "model: " + CliRun.STORIES + "\ncalibration: {data: x.txt, sample: 3}\n" + methods);
        CliRun run = CliRun.of("run", recipe.toString(), "--out", dir.resolve("out").toString());
        assertEquals(1, run.exitCode());
        assertEquals("strata: error: " + recipe + ": unknown key 'calibration.sample' (expected one of: data, half, "
                + "seq_len, samples, seed, batch, partitions, ppl_windows)", run.lastErrLine());
        Files.writeString(recipe, "model: " + dir.resolve("nowhere") + "\ncalibration: {data: x.txt}\n" + methods);
        CliRun missing = CliRun.of("run", recipe.toString(), "--out", dir.resolve("out").toString());
        assertEquals("strata: error: " + dir.resolve("nowhere") + ": not a model folder (no such directory)",
                missing.lastErrLine());
        // settings are checked against the model before the first stage: the second method's too
        Files.writeString(recipe, "model: " + CliRun.STORIES + "\ncalibration: {data: " + CliRun.TINYSTORIES + "}\n"
                + "methods: [{come: {layers: 1}}, {bi: {layers: [1, 5]}}]\n");
        CliRun tooMany = CliRun.of("run", recipe.toString(), "--out", dir.resolve("out").toString());
        assertEquals("strata: error: " + recipe + ": 'methods.bi.layers' 5 must lie in 1..4 (the model has 5 layers, "
                + "and at least one must stay)", tooMany.lastErrLine());
        // the evaluation too, though it runs last
        Files.writeString(recipe, "model: " + CliRun.STORIES + "\ncalibration: {data: " + CliRun.TINYSTORIES + "}\n"
                + methods + "evaluate: {data_dir: " + dir.resolve("no-data") + "}\n");
        CliRun noData = CliRun.of("run", recipe.toString(), "--out", dir.resolve("out").toString());
        assertEquals("strata: error: " + recipe + ": 'evaluate.data_dir' " + dir.resolve("no-data")
                + ": not a directory", noData.lastErrLine());
        assertFalse(noData.err().contains("spark: starting"), noData.err());
        assertFalse(Files.exists(dir.resolve("out")), "a refused recipe wrote its run folder");
    }
}
