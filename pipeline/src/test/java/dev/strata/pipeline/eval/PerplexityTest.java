package dev.strata.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.testing.ReferenceLlama;
import dev.strata.pipeline.testing.TinyModels;
import dev.strata.pipeline.tokenize.Tokenizer;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PerplexityTest {
    @Test
    void sharedModelOnTinyStoriesMatchesIndependentFigure() throws Exception {
        try (LlamaModel model = LlamaModel.load(TinyModels.STORIES, Device.cpu());
                Tokenizer tokenizer = Tokenizer.load(TinyModels.STORIES, model.config())) {
            int[] tokens = tokenizer.encodeWithBos(Files.readString(TinyModels.TINYSTORIES_TEXT));
            Perplexity.Result r = Perplexity.evaluate(model, tokens, 512, 8);
            assertEquals(5.0384, r.perplexity(), 0.001);
        }
    }

    /**
     * The windowing rule against the double-precision reference forward: non-overlapping windows, the last partial
     * one dropped, the first token of each window context only. Batches that do not divide the windows evenly
     * give the same sum.
     */
    @Test
    void windowedNllEqualsReferenceComputation() {
        Checkpoint cp = TinyModels.random(TinyModels.config(2, 2, false), 5, DType.F32);
        int seqLen = 16;
        int[] stream = new Random(9).ints(3 * seqLen + 5, 0, cp.config().vocabSize()).toArray();
        ReferenceLlama reference = new ReferenceLlama(cp, false);
        double expected = 0;
        for (int w = 0; w < 3; w++) {
            int[] window = Arrays.copyOfRange(stream, w * seqLen, (w + 1) * seqLen);
            double[][] logits = reference.forward(window).logits();
            for (int t = 0; t + 1 < seqLen; t++) {
                expected -= logSoftmax(logits[t])[window[t + 1]];
            }
        }
        try (LlamaModel model = LlamaModel.fromCheckpoint(cp, Device.cpu())) {
            for (int batch : new int[] {1, 2, 3}) {
                Perplexity.Result r = Perplexity.evaluate(model, stream, seqLen, batch);
                assertEquals(3, r.windows());
                assertEquals(3 * (seqLen - 1), r.predicted());
                assertEquals(expected, r.nll(), 1e-5 * expected, "batch " + batch);
            }
        }
    }

    private static double[] logSoftmax(double[] x) {
        double max = Arrays.stream(x).max().orElseThrow();
        double log = Math.log(Arrays.stream(x).map(v -> Math.exp(v - max)).sum()) + max;
        return Arrays.stream(x).map(v -> v - log).toArray();
    }
}
