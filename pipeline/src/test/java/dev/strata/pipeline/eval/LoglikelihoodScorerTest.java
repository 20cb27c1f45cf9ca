package dev.strata.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.strata.pipeline.eval.LoglikelihoodScorer.Request;
import dev.strata.pipeline.eval.LoglikelihoodScorer.Score;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.testing.ReferenceLlama;
import dev.strata.pipeline.testing.ReferenceScoring;
import dev.strata.pipeline.testing.TinyModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Packed, batched scoring of continuations against one plain reference forward per option (lm-eval's input). */
class LoglikelihoodScorerTest {

    @ParameterizedTest(name = "batch tokens {0}")
    @ValueSource(ints = {40, 4096})
    void packedScoresEqualOneReferencePassPerOption(int batchTokens) {
        Checkpoint cp = TinyModels.random(TinyModels.config(2, 2, false), 11, DType.F32);
        int vocab = cp.config().vocabSize();
        int window = cp.config().maxPositions() + 1;
        Random rng = new Random(3);
        List<Request> requests = new ArrayList<>();
        for (int r = 0; r < 12; r++) {
            int contextLength = r < 2 ? 60 : 1 + rng.nextInt(30);
            int[] context = rng.ints(contextLength, 0, vocab).toArray();
            List<int[]> options = new ArrayList<>();
            for (int o = 0; o < 1 + rng.nextInt(4); o++) {
                options.add(rng.ints(r < 2 ? 7 + rng.nextInt(6) : 1 + rng.nextInt(6), 0, vocab).toArray());
            }
            requests.add(new Request(context, options));
        }
        assertTrue(requests.get(0).context().length + requests.get(0).continuations().stream()
                .mapToInt(c -> c.length).max().orElseThrow() > window, "a request needs truncation");

        List<List<Score>> scores;
        try (LlamaModel model = LlamaModel.fromCheckpoint(cp, Device.cpu())) {
            scores = new LoglikelihoodScorer(model, batchTokens).score(requests);
        }
        ReferenceLlama reference = new ReferenceLlama(cp, false);
        for (int r = 0; r < requests.size(); r++) {
            Request q = requests.get(r);
            for (int o = 0; o < q.continuations().size(); o++) {
                double[] expected = ReferenceScoring.score(reference, q.context(), q.continuations().get(o), window);
                Score got = scores.get(r).get(o);
                assertEquals(q.continuations().get(o).length, got.tokens());
                assertEquals(expected[0], got.loglik(), 1e-4 * Math.abs(expected[0]), "request " + r + " option " + o);
                assertEquals(expected[1] == 1, got.greedy(), "greedy, request " + r + " option " + o);
            }
        }
    }
}
