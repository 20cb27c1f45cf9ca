package dev.strata.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.strata.pipeline.eval.task.ChoiceTask;
import dev.strata.pipeline.eval.task.ChoiceTask.Example;
import dev.strata.pipeline.eval.task.ChoiceTask.Option;
import dev.strata.pipeline.eval.task.Measure;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.testing.Llama2cReferenceTokenizer;
import dev.strata.pipeline.testing.ReferenceLlama;
import dev.strata.pipeline.testing.ReferenceScoring;
import dev.strata.pipeline.testing.TinyModels;
import dev.strata.pipeline.tokenize.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A hand-made task on the shared model whose answers are known by construction: each option's log-likelihood is
 * computed independently (llama2.c's tokenizer, lm-eval's pair split, the reference forward pass) and acc,
 * acc_norm and their standard errors follow from those by hand.
 */
class ChoiceScoringTest {
    record HandMade(List<Example> examples) implements ChoiceTask {
        @Override
        public String name() {
            return "hand";
        }

        @Override
        public List<Measure> measures() {
            return List.of(Measure.ACC, Measure.ACC_NORM);
        }

        @Override
        public String source() {
            return "(in memory)";
        }

        @Override
        public List<Example> read(Path dataDir) {
            return examples;
        }
    }

    private static Example example(int index, int gold, String context, String... choices) {
        List<Option> options = new ArrayList<>();
        for (String c : choices) {
            options.add(new Option(context, " " + c, c.length()));
        }
        return new Example(index, options, gold);
    }

    @Test
    void accuracyFollowsTheReferenceLogLikelihoods() throws Exception {
        List<Example> examples = new ArrayList<>();
        examples.add(example(0, 0, "Once upon a time, there was a little girl named", "Lily.", "Xyzzy.", "table."));
        examples.add(example(1, 0, "The sun was shining and the sky was", "blue.", "sad cats eat rocks loudly.", "the."));
        examples.add(example(2, 1, "Tom and his mom went to the", "park.", "zebra quantum."));
        examples.add(example(3, 0, "She was very happy. She said, \"Thank", "you!\"", "me!\"", "it!\""));
        examples.add(example(4, 1, "Once upon a time ", "there was a dog.", "there was a boy named Tim."));
        examples.add(new Example(5, List.of(
                new ChoiceTask.Option("Lily gave the ball to Tom because Tom", " wanted to play.", 15),
                new ChoiceTask.Option("Lily gave the ball to Tom because the ball", " wanted to play.", 15)), 0));
        HandMade task = new HandMade(examples);

        Checkpoint cp = ModelFolder.read(TinyModels.STORIES);
        List<OptionScore> rows;
        try (LlamaModel model = LlamaModel.fromCheckpoint(cp, Device.cpu());
                Tokenizer tokenizer = Tokenizer.load(TinyModels.STORIES, cp.config())) {
            assertTrue(tokenizer.addsBos());
            rows = new TaskScorer(model, tokenizer, 256).score(task, task.read(null));
        }

        ReferenceLlama reference = new ReferenceLlama(cp, false);
        Llama2cReferenceTokenizer words = new Llama2cReferenceTokenizer(TinyModels.STORIES_LLAMA2C.resolve("tok512.bin"), 512);
        int correct = 0;
        int correctNorm = 0;
        int row = 0;
        for (Example e : examples) {
            double[] loglik = new double[e.options().size()];
            for (int o = 0; o < loglik.length; o++, row++) {
                ChoiceTask.Option option = e.options().get(o);
                String context = option.context().stripTrailing();
                String continuation = option.context().substring(context.length()) + option.continuation();
                int[] contextTokens = withBos(words.encode(context));
                int[] whole = withBos(words.encode(context + continuation));
                int[] continuationTokens = Arrays.copyOfRange(whole, contextTokens.length, whole.length);
                loglik[o] = ReferenceScoring.score(reference, contextTokens, continuationTokens, 513)[0];
                OptionScore got = rows.get(row);
                assertEquals(e.index(), got.example());
                assertEquals(o, got.option());
                assertEquals(continuationTokens.length, got.tokens(), "example " + e.index() + " option " + o);
                assertEquals(loglik[o], got.loglik(), 1e-4 * Math.abs(loglik[o]), "example " + e.index() + " option " + o);
            }
            int best = 0;
            int bestNorm = 0;
            for (int o = 1; o < loglik.length; o++) {
                best = loglik[o] > loglik[best] ? o : best;
                double chars = e.options().get(o).chars();
                bestNorm = loglik[o] / chars > loglik[bestNorm] / e.options().get(bestNorm).chars() ? o : bestNorm;
            }
            correct += best == e.gold() ? 1 : 0;
            correctNorm += bestNorm == e.gold() ? 1 : 0;
        }
        // by construction: example 2's gold is the absurd option, the others' gold is the story-like one
        assertEquals(5, correct, "the model prefers the story-like options");

        List<Metrics.Value> values = Metrics.compute(task, rows);
        double acc = correct / 6.0;
        double accNorm = correctNorm / 6.0;
        assertEquals(acc, values.get(0).value(), 1e-15);
        assertEquals(Math.sqrt(acc * (1 - acc) / 5), values.get(0).stderr(), 1e-15);
        assertEquals(accNorm, values.get(1).value(), 1e-15);
        assertEquals(Math.sqrt(accNorm * (1 - accNorm) / 5), values.get(1).stderr(), 1e-15);
    }

    private static int[] withBos(int[] ids) {
        int[] out = new int[ids.length + 1];
        out[0] = 1;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }
}
