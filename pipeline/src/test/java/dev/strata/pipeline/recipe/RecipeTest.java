package dev.strata.pipeline.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.LayerRemoval;
import dev.strata.pipeline.compress.PairMetric;
import dev.strata.pipeline.compress.Replacement;
import dev.strata.pipeline.train.ReplacementLoss;
import dev.strata.pipeline.train.TrainSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recipes: the shipped one reads as written; every kind of mistake is one line naming the file and the key. */
class RecipeTest {
    @TempDir
    Path dir;

    @Test
    void theShippedRecipeReadsAsWritten() {
        Recipe r = Recipe.read(Path.of("../conf/recipes/come-stories260k.yaml"));
        assertEquals("come-stories260k", r.name());
        assertEquals(List.of(4, 3), r.targets());
        assertEquals(PairMetric.ANGULAR, r.merge().pairMetric());
        assertEquals(256, r.calibration().seqLen());
        assertEquals(2e-3, r.distill().layers().learningRate());
        assertEquals(5e-5, r.distill().model().finalLearningRate());
        assertEquals(List.of(LayerRemoval.BI), r.baselines());
        assertEquals(List.of("tinystories", "copa", "openbookqa"), r.evaluate().tasks());
    }

    @Test
    void theShippedStreamlineRecipeRunsCoMeAsTheComeRecipeDoes() {
        Recipe r = Recipe.read(Path.of("../conf/recipes/streamline-stories260k.yaml"));
        Recipe come = Recipe.read(Path.of("../conf/recipes/come-stories260k.yaml"));
        assertEquals(List.of(Recipe.Method.STREAMLINE, Recipe.Method.COME), r.methods());
        assertEquals(List.of(1, 2), r.streamline().blockLengths());
        assertEquals(List.of(Replacement.FFN, Replacement.LAYER), r.streamline().replacements());
        assertEquals(ReplacementLoss.MSE, r.streamline().loss());
        assertEquals(new TrainSettings(2e-3, 2e-4, 1e-3, 5, 2, 8), r.streamline().training());
        // the CoMe rows of the streamline report are those of the CoMe recipe
        assertEquals(come.calibration(), r.calibration());
        assertEquals(come.merge(), r.merge());
        assertEquals(come.distill(), r.distill());
        assertEquals(come.baselines(), r.baselines());
        assertEquals(come.targets(), r.targets());
        assertEquals(come.evaluate(), r.evaluate());
        assertEquals(List.of(Recipe.Method.COME), come.methods());
        assertNull(come.streamline());
    }

    @Test
    void aStreamlineOnlyRecipeNeedsNoCoMeKeys() throws Exception {
        Recipe r = read("model: m\nmethod: streamline\ncalibration: {data: d.txt}\nstreamline: {layers: 2}\n");
        assertEquals(List.of(2), r.streamline().blockLengths());
        assertEquals(List.of(Replacement.LAYER), r.streamline().replacements());
        assertEquals(new TrainSettings(2e-4, 5e-5, 1e-3, 5, 1, 8), r.streamline().training());
        assertEquals(List.of(), r.targets());
        assertNull(r.merge());
    }

    @Test
    void defaultsFillWhatARecipeLeavesOutAndEpochsZeroSkipsStageTwo() throws Exception {
        Recipe r = read("model: m\ntarget_layers: 3\ncalibration: {data: d.txt}\ndistill: {model: {epochs: 0}}\n");
        assertEquals("runs/r", r.out());
        assertEquals(List.of(3), r.targets());
        assertNull(r.distill().model());
        assertEquals(2e-4, r.distill().layers().learningRate());
        assertEquals(List.of("tinystories"), r.evaluate().tasks());
    }

    @Test
    void mistakesNameTheKey() {
        String ok = "model: m\ntarget_layers: [4, 3]\ncalibration: {data: d.txt}\n";
        assertError("model: m\ntarget_layers: 3\n", "missing key 'calibration.data'");
        assertError("target_layers: 3\ncalibration: {data: d.txt}\n", "missing key 'model'");
        assertError(ok + "merge: {pair_metrc: bi}\n",
                "unknown key 'merge.pair_metrc' (expected one of: pair_metric, no_remerge)");
        assertError(ok + "distill: {layers: {epochs: one}}\n", "'distill.layers.epochs' must be an integer, got \"one\"");
        assertError(ok + "distill: {layers: {learning_rate: fast}}\n",
                "'distill.layers.learning_rate' must be a number, got \"fast\"");
        assertError(ok + "distill: {layers: {learning_rate: -1}}\n", "'distill.layers' learning_rate -1.0 must be > 0");
        assertError(ok + "merge: {pair_metric: cosine}\n",
                "'merge.pair_metric' 'cosine' is not known (expected one of angular, bi, ppl-drop)");
        assertError("model: m\ntarget_layers: [3, 4]\ncalibration: {data: d.txt}\n",
                "'target_layers' must be descending (progressive merging reaches them in order), got [3, 4]");
        assertError(ok + "calibration: 5\n", "'calibration' must be a mapping of keys, got 5");
        assertError(ok + "merge: {no_remerge: yes please}\n", "'merge.no_remerge' must be true or false, got \"yes please\"");
        assertError("- a\n- b\n", "the recipe must be a mapping of keys");
        assertError(ok + "method: [come, prune]\n",
                "'method' names an unknown method 'prune' (expected come, streamline or a list of them)");
        assertError(ok + "streamline: {layers: 1}\n",
                "'streamline' applies to the method streamline, which 'method' does not list");
        String streamline = "model: m\nmethod: streamline\ncalibration: {data: d.txt}\n";
        assertError(streamline + "target_layers: 3\n", "'target_layers' applies to the method come, which 'method' does not list");
        assertError(streamline, "missing key 'streamline.layers'");
        assertError(streamline + "streamline: {layers: 1, replacement: none}\n",
                "'streamline.replacement' lists none: the untrained prune is always a row of the report");
        assertError(streamline + "streamline: {layers: 1, replacement: mlp}\n",
                "'streamline.replacement' 'mlp' is not known (expected one of layer, ffn, none)");
        assertError(streamline + "streamline: {layers: 1, loss: kl}\n",
                "'streamline.loss' 'kl' is not known (expected one of mse, lm)");
        assertError(streamline + "streamline: {layers: 1, training: {lr: 1}}\n",
                "unknown key 'streamline.training.lr' (expected one of: batch, learning_rate, final_learning_rate, "
                        + "weight_decay, clip_norm, epochs)");
        assertError("model: [unclosed\n", "not valid YAML: ");
    }

    private Recipe read(String yaml) throws Exception {
        Path file = dir.resolve("r.yaml");
        Files.writeString(file, yaml);
        return Recipe.read(file);
    }

    private void assertError(String yaml, String message) {
        StrataException ex = assertThrows(StrataException.class, () -> read(yaml));
        String expected = dir.resolve("r.yaml") + ": " + message;
        if (message.endsWith(": ")) {
            assertEquals(expected, ex.getMessage().substring(0, Math.min(expected.length(), ex.getMessage().length())));
        } else {
            assertEquals(expected, ex.getMessage());
        }
    }
}
