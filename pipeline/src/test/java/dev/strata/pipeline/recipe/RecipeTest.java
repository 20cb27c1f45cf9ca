package dev.strata.pipeline.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.LayerRemoval;
import dev.strata.pipeline.compress.PairMetric;
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
