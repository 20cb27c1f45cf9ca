package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.model.ModelFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped CoMe recipe end to end on the shared model: merge + distillation beats merge alone and the ShortGPT
 * baseline on TinyStories perplexity at 4 and at 3 layers, the exported folder reloads with the reported
 * perplexity, and a second run reuses every stage.
 */
class RunCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    @org.junit.jupiter.api.Disabled("intermittent: in about half of full-suite runs the stage-2 gradient norm becomes "
            + "infinite near the end of training (AdamW now refuses it); under investigation, see issue 6")
    void theComeRecipeCompressesBetterThanMergingAloneAndThanShortGpt() throws Exception {
        Path out = dir.resolve("come");
        // the shipped recipe, its paths (relative to the repository root, where people run it) made absolute
        Path recipe = dir.resolve("come-stories260k.yaml");
        Files.writeString(recipe, Files.readString(Path.of("../conf/recipes/come-stories260k.yaml"))
                .replace("../shared/", CliRun.SHARED + "/"));
        CliRun run = CliRun.of("run", recipe.toString(), "--out", out.toString(), "--master", "local[2]");
        assertEquals(0, run.exitCode(), run.err() + run.out());
        String losses = run.err().lines().filter(l -> l.contains("DistillJob") || l.contains("Progress - distill"))
                .reduce("", (a, b) -> a + "\n" + b) + "\n" + nonFinite(out.resolve("model"));
        JsonNode report = JSON.readTree(out.resolve("report.json").toFile());
        for (int layers : new int[] {4, 3}) {
            double merged = ppl(report, "come merge " + layers + "L");
            double distilled = ppl(report, "come merge+distill " + layers + "L");
            double shortGpt = ppl(report, "prune bi " + layers + "L");
            assertTrue(distilled > ppl(report, "original 5L"), layers + " layers: merge + distill " + distilled + losses);
            assertTrue(distilled < merged, layers + " layers: merge + distill " + distilled + " vs merge alone " + merged);
            assertTrue(distilled < shortGpt, layers + " layers: merge + distill " + distilled + " vs ShortGPT " + shortGpt);
        }
        String markdown = Files.readString(out.resolve("report.md"));
        assertTrue(markdown.contains("|come merge+distill 3L|3|169,152|65.1%|distill-3/models/final|"), markdown);
        assertTrue(run.out().startsWith("# come-stories260k"), run.out());

        // the product reloads anywhere a Llama loads, with the perplexity the pipeline reported
        assertEquals(3, ModelFolder.readConfig(out.resolve("model")).numLayers());
        CliRun ppl = CliRun.of("ppl", "--model", out.resolve("model").toString(), "--data", CliRun.TINYSTORIES.toString(),
                "--json");
        assertEquals(0, ppl.exitCode(), ppl.err());
        double reloaded = JSON.readTree(ppl.out()).path("perplexity").asDouble(Double.NaN);
        assertEquals(ppl(report, "come merge+distill 3L"), reloaded, 1e-4, ppl.out() + losses);

        CliRun again = CliRun.of("run", recipe.toString(), "--out", out.toString(), "--master", "local[2]");
        assertEquals(0, again.exitCode(), again.err());
        for (String reused : new String[] {"merge step 2/2: reusing", "distill model: reusing", "prune: reusing",
            "eval: reusing the log-likelihoods", "recipe: export is done, skipped"}) {
            assertTrue(again.err().contains(reused), reused + " missing in " + again.err());
        }
        assertFalse(again.err().contains("Progress - distill"), "training ran again");
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
        Files.writeString(recipe, "model: " + CliRun.STORIES + "\ntarget_layers: 4\ncalibration: {data: x.txt, sample: 3}\n");
        CliRun run = CliRun.of("run", recipe.toString(), "--out", dir.resolve("out").toString());
        assertEquals(1, run.exitCode());
        assertEquals("strata: error: " + recipe + ": unknown key 'calibration.sample' (expected one of: data, seq_len, "
                + "samples, seed, batch)", run.lastErrLine());
        Files.writeString(recipe, "model: " + dir.resolve("nowhere") + "\ntarget_layers: 4\ncalibration: {data: x.txt}\n");
        CliRun missing = CliRun.of("run", recipe.toString(), "--out", dir.resolve("out").toString());
        assertEquals("strata: error: " + dir.resolve("nowhere") + ": not a model folder (no such directory)",
                missing.lastErrLine());
        Files.writeString(recipe, "model: " + CliRun.STORIES + "\ntarget_layers: 5\ncalibration: {data: x.txt}\n");
        CliRun tooMany = CliRun.of("run", recipe.toString(), "--out", dir.resolve("out").toString());
        assertEquals("strata: error: recipe: target_layers 5 is not below the 5 layers of " + CliRun.STORIES,
                tooMany.lastErrLine());
        assertFalse(Files.exists(dir.resolve("out")), "a refused recipe wrote its run folder");
    }
}
