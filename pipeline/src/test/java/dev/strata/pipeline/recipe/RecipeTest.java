package dev.strata.pipeline.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.Come;
import dev.strata.pipeline.compress.Distillation;
import dev.strata.pipeline.compress.PairMetric;
import dev.strata.pipeline.compress.Replacement;
import dev.strata.pipeline.compress.RunParams;
import dev.strata.pipeline.compress.SizeTarget;
import dev.strata.pipeline.compress.Streamline;
import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.eval.EvalParams;
import dev.strata.pipeline.train.ReplacementLoss;
import dev.strata.pipeline.train.TrainSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recipes: the shipped ones read as written, defaults fill gaps, and every mistake names its key. */
class RecipeTest {
    @TempDir
    Path dir;

    @Test
    void theShippedRecipeReadsAsWritten() {
        Recipe r = Recipe.read(Path.of("../conf/recipes/come-stories260k.yaml"));
        assertEquals("come-stories260k", r.name());
        assertEquals(List.of("come", "bi", "replaceme"), r.methods().stream().map(m -> m.method().name()).toList());
        var come = r.methods().get(0).settings();
        assertEquals(List.of(1, 2), come.get(SizeTarget.LAYERS));
        assertEquals(PairMetric.ANGULAR, come.get(Come.PAIR_METRIC));
        assertEquals(256, r.run().get(RunParams.SEQ_LEN));
        Distillation.Stages d = Distillation.read(come);
        assertEquals(new TrainSettings(2e-3, 2e-4, 1e-3, 5, 2, 8), d.layers());
        assertEquals(new TrainSettings(5e-4, 5e-5, 1e-3, 5, 2, 8), d.model());
        assertEquals(512, d.samples());
        assertEquals(List.of(1, 2), r.methods().get(1).settings().get(SizeTarget.LAYERS));
        assertEquals(List.of("tinystories", "wikitext", "copa", "openbookqa"), r.evaluate().get(EvalParams.TASKS));
        assertEquals(DataHalf.FIRST, r.run().get(RunParams.HALF));
        assertEquals(DataHalf.SECOND, r.evaluate().get(EvalParams.HALF));
    }

    @Test
    void theShippedGptailorRecipeTrainsAndMeasuresOnDisjointHalves() {
        Recipe r = Recipe.read(Path.of("../conf/recipes/gptailor-stories260k.yaml"));
        assertEquals(List.of("stories", "qa", "wiki"), r.variants().stream().map(v -> v.name()).toList());
        assertEquals(List.of("tailor", "come", "streamline", "replaceme", "bi"),
                r.methods().stream().map(m -> m.method().name()).toList());
        var tailor = r.methods().get(0).settings();
        assertEquals(List.of("stories", "qa", "wiki"), tailor.get(dev.strata.pipeline.tailor.Tailor.VARIANTS));
        assertEquals(1, tailor.get(dev.strata.pipeline.tailor.Tailor.LAYERS));
        for (Recipe.Section m : r.methods().subList(1, 5)) {
            assertEquals(List.of(1), m.settings().get(SizeTarget.LAYERS), m.method().name() + " removes one layer, as "
                    + "the search does");
        }
        // the variants train on first halves, the search and the report measure second halves, the calibration is
        // on the first half of TinyStories
        assertEquals(dev.strata.pipeline.eval.DataHalf.SECOND, tailor.get(dev.strata.pipeline.tailor.Tailor.HALF));
        assertEquals(dev.strata.pipeline.eval.DataHalf.SECOND, r.evaluate().get(dev.strata.pipeline.eval.EvalParams.HALF));
        assertEquals(dev.strata.pipeline.eval.DataHalf.FIRST, r.run().get(dev.strata.pipeline.compress.RunParams.HALF));
    }

    @Test
    void theShippedStreamlineRecipeRunsTheOtherMethodsAsTheComeRecipeDoes() {
        Recipe r = Recipe.read(Path.of("../conf/recipes/streamline-stories260k.yaml"));
        Recipe come = Recipe.read(Path.of("../conf/recipes/come-stories260k.yaml"));
        assertEquals(List.of("streamline", "come", "bi", "replaceme"),
                r.methods().stream().map(m -> m.method().name()).toList());
        var s = r.methods().get(0).settings();
        assertEquals(List.of(1, 2), s.get(SizeTarget.LAYERS));
        assertEquals(List.of(Replacement.FFN, Replacement.LAYER), s.get(Streamline.REPLACEMENT));
        assertEquals(ReplacementLoss.MSE, s.get(Streamline.LOSS));
        assertEquals(new TrainSettings(2e-3, 2e-4, 1e-3, 5, 2, 8), Streamline.TRAINING.read(s, s.get(Streamline.TRAIN_BATCH)));
        // the CoMe, ShortGPT and ReplaceMe rows of the streamline report are those of the CoMe recipe
        assertEquals(come.run().toJson(), r.run().toJson());
        for (int i = 0; i < 3; i++) {
            assertEquals(come.methods().get(i).method(), r.methods().get(i + 1).method());
            assertEquals(come.methods().get(i).settings().toJson(), r.methods().get(i + 1).settings().toJson());
        }
        assertEquals(come.evaluate().toJson(), r.evaluate().toJson());
    }

    @Test
    void defaultsFillWhatARecipeLeavesOut() throws Exception {
        Recipe r = read("model: m\ncalibration: {data: d.txt}\nmethods:\n  - streamline: {layers: 2}\n"
                + "  - come: {layers: 1, distill: {model: {epochs: 0}}}\n  - bi:\n");
        assertEquals("runs/r", r.out());
        assertNull(r.run().get(RunParams.SEQ_LEN)); // the model's context
        assertEquals(1234, r.run().get(RunParams.SEED));
        var s = r.methods().get(0).settings();
        assertEquals(List.of(Replacement.LAYER), s.get(Streamline.REPLACEMENT));
        assertEquals(new TrainSettings(2e-4, 5e-5, 1e-3, 5, 1, 8), Streamline.TRAINING.read(s, s.get(Streamline.TRAIN_BATCH)));
        Distillation.Stages d = Distillation.read(r.methods().get(1).settings());
        assertNull(d.model());
        assertEquals(2e-4, d.layers().learningRate());
        assertNull(d.samples());
        assertNull(r.methods().get(2).settings().get(SizeTarget.LAYERS));
        assertEquals(List.of("all"), r.evaluate().get(EvalParams.TASKS));
    }

    @Test
    void mistakesNameTheKey() {
        String ok = "model: m\ncalibration: {data: d.txt}\n";
        String come = ok + "methods: [{come: {layers: 1, ";
        assertError("model: m\nmethods: [{bi: {layers: 1}}]\n", "missing key 'calibration.data'");
        assertError("calibration: {data: d.txt}\nmethods: [{bi: {layers: 1}}]\n", "missing key 'model'");
        assertError("model: m\ncalibration: {data: x, sample: 3}\nmethods: [{bi: {layers: 1}}]\n",
                "unknown key 'calibration.sample' (expected one of: data, half, seq_len, samples, seed, batch, partitions, "
                        + "ppl_windows)");
        assertError(come + "pair_metrc: bi}}]\n", "unknown key 'methods.come.pair_metrc' (expected one of: layers, "
                + "target_params, pair_metric, no_remerge, distill)");
        assertError(come + "distill: {layers: {epochs: one}}}}]\n",
                "'methods.come.distill.layers.epochs' must be an integer, got \"one\"");
        assertError(come + "distill: {layers: {learning_rate: fast}}}}]\n",
                "'methods.come.distill.layers.learning_rate' must be a number, got \"fast\"");
        assertError(come + "distill: {layers: {learning_rate: -1}}}}]\n",
                "'methods.come.distill.layers.learning_rate' must be > 0, got -1.0");
        assertError(come + "pair_metric: cosine}}]\n",
                "'methods.come.pair_metric' 'cosine' is not known (expected one of angular, bi, ppl-drop)");
        assertError(come + "no_remerge: yes please}}]\n",
                "'methods.come.no_remerge' must be true or false, got \"yes please\"");
        assertError("model: m\ncalibration: 5\n", "'calibration' must be a mapping of keys, got 5");
        assertError(ok + "calibration: 5\n", "duplicate key 'calibration' (line 3)");
        assertError("- a\n- b\n", "the recipe must be a mapping of keys");
        assertError(ok, "'methods' is missing: list the methods to run, e.g. [{come: {layers: 1}}]");
        assertError(ok + "methods: [{prune: {layers: 1}}]\n",
                "'methods' 'prune' is not a method (expected one of come, bi, ppl-drop, streamline, replaceme, tailor)");
        assertError(ok + "methods: [{bi: {layers: 1}}, {bi: {layers: 2}}]\n", "'methods' lists bi twice");
        assertError(ok + "methods: [{bi: {layers: 1}, come: {layers: 1}}]\n",
                "'methods' must list one mapping per method ({name: {settings}}), got {\"bi\":{\"layers\":1},\"come\":{\"layers\":1}}");
        String streamline = ok + "methods: [{streamline: {layers: 1, ";
        assertError(streamline + "replacement: mlp}}]\n",
                "'methods.streamline.replacement' 'mlp' is not known (expected one of layer, ffn, none)");
        assertError(streamline + "loss: kl}}]\n",
                "'methods.streamline.loss' 'kl' is not known (expected one of mse, lm)");
        assertError(streamline + "training: {lr: 1}}}]\n",
                "unknown key 'methods.streamline.training.lr' (expected one of: epochs, learning_rate, "
                        + "final_learning_rate, weight_decay, clip_norm, batch, samples)");
        assertError(ok + "methods: [{bi: {layers: 1}}]\nevaluate: {tasks: [copa, mmlu]}\n",
                "'evaluate.tasks' 'mmlu' is not a task (known: piqa, hellaswag, winogrande, arc_easy, arc_challenge, "
                        + "boolq, openbookqa, copa, siqa, lambada, wikitext, tinystories, or all)");
        assertError(ok + "methods: [{bi: {layers: 1}}]\nevaluate: {limit: -1}\n",
                "'evaluate.limit' must be at least 1, got -1");
        assertError("name: ../../x\n" + ok + "methods: [{bi: {layers: 1}}]\n", "'name' '../../x' must be a plain name "
                + "(letters, digits, '.', '_', '-'; no path); give 'out' to choose the run folder");
        assertError("name: .hidden\n" + ok + "methods: [{bi: {layers: 1}}]\n", "'name' '.hidden' must be a plain name "
                + "(letters, digits, '.', '_', '-'; no path); give 'out' to choose the run folder");
        String bi = "methods: [{bi: {layers: 1}}]\n";
        assertError(ok + "variants: {wiki: {}}\n" + bi,
                "'variants.wiki.data' or 'variants.wiki.tasks': give exactly one of them");
        assertError(ok + "variants: {wiki: {data: w.txt, tasks: [copa]}}\n" + bi,
                "'variants.wiki.data' or 'variants.wiki.tasks': give exactly one of them");
        assertError(ok + "variants: {../w: {data: w.txt}}\n" + bi,
                "'variants' '../w' must be a plain name (it names a folder)");
        assertError(ok + "variants: {qa: {tasks: [mmlu]}}\n" + bi, "'variants.qa.tasks' 'mmlu' is not a task (known: "
                + "piqa, hellaswag, winogrande, arc_easy, arc_challenge, boolq, openbookqa, copa, siqa, lambada, "
                + "wikitext, tinystories, or all)");
        assertError(ok + "variants: {qa: {tasks: [copa], training: {epochs: 0}}}\n" + bi,
                "'variants.qa.training.epochs' must be at least 1, got 0");
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
