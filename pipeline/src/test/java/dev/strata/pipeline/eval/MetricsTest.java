package dev.strata.pipeline.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.pipeline.eval.task.Measure;
import dev.strata.pipeline.eval.task.Tasks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Metrics from hand-made rows, against values worked out by hand. */
class MetricsTest {
    private static OptionScore row(int example, int option, double loglik, int tokens, int chars, boolean gold) {
        return new OptionScore("t", example, option, loglik, tokens, chars, gold, false);
    }

    @Test
    void accuracyNormalisedAccuracyAndLmEvalStderr() {
        List<OptionScore> rows = List.of(
                // example 0: raw picks 0 (gold); normalised: -4/2 = -2 vs -5/10 = -0.5 picks 1
                row(0, 0, -4, 2, 2, true), row(0, 1, -5, 3, 10, false),
                // example 1: raw picks 1 (wrong); normalised -3/3 = -1 vs -2/1 = -2 picks 0 (gold)
                row(1, 0, -3, 2, 3, true), row(1, 1, -2, 2, 1, false),
                // example 2: a tie picks the first option (gold), for both
                row(2, 1, -1, 1, 1, false), row(2, 0, -1, 1, 1, true),
                // example 3: both pick option 2 (gold)
                row(3, 0, -9, 3, 3, false), row(3, 1, -8, 3, 3, false), row(3, 2, -1, 3, 3, true));
        List<Metrics.Value> v = Metrics.compute(Tasks.parse("arc_easy").get(0), rows);
        assertEquals(Measure.ACC, v.get(0).measure());
        assertEquals(0.75, v.get(0).value(), 1e-15);
        assertEquals(Math.sqrt(0.75 * 0.25 / 3), v.get(0).stderr(), 1e-15, "lm-eval: sqrt(p(1-p)/(n-1))");
        assertEquals(Measure.ACC_NORM, v.get(1).measure());
        assertEquals(0.75, v.get(1).value(), 1e-15);
        assertEquals(4, v.get(1).examples());
    }

    @Test
    void lambadaAndTextPerplexity() {
        List<OptionScore> lambada = List.of(new OptionScore("lambada", 0, 0, -2, 1, 4, true, true),
                new OptionScore("lambada", 1, 0, -4, 2, 5, true, false));
        List<Metrics.Value> v = Metrics.compute(Tasks.parse("lambada").get(0), lambada);
        assertEquals(0.5, v.get(0).value(), 1e-15);
        assertEquals(Math.exp(3), v.get(1).value(), 1e-12, "exp(-mean loglik per example)");
        List<OptionScore> text = List.of(new OptionScore("wikitext", 0, 0, -10, 4, 0, true, false),
                new OptionScore("wikitext", 1, 0, -2, 4, 0, true, false));
        assertEquals(Math.exp(12.0 / 8), Metrics.compute(Tasks.parse("wikitext").get(0), text).get(0).value(), 1e-12);
    }

    @Test
    void stabilityWeighsAgreementBySpreadOfOriginalPerplexities() {
        List<OptionScore> original = new ArrayList<>();
        List<OptionScore> compressed = new ArrayList<>();
        // example 0: original right, compressed right; option ppls e^1, e^2
        original.add(row(0, 0, -1, 1, 1, true));
        original.add(row(0, 1, -2, 1, 1, false));
        compressed.add(row(0, 0, -1, 1, 1, true));
        compressed.add(row(0, 1, -3, 1, 1, false));
        // example 1: original right, compressed wrong; option ppls e^1, e^4
        original.add(row(1, 0, -1, 1, 1, true));
        original.add(row(1, 1, -4, 1, 1, false));
        compressed.add(row(1, 0, -5, 1, 1, true));
        compressed.add(row(1, 1, -1, 1, 1, false));
        // example 2: original wrong, compressed wrong; option ppls e^0.5 (2 tokens, loglik -1), e^0.25
        original.add(row(2, 0, -1, 2, 1, true));
        original.add(row(2, 1, -0.5, 2, 1, false));
        compressed.add(row(2, 0, -3, 1, 1, true));
        compressed.add(row(2, 1, -1, 1, 1, false));
        double[] sd = {(Math.exp(2) - Math.exp(1)) / 2, (Math.exp(4) - Math.exp(1)) / 2, (Math.exp(0.5) - Math.exp(0.25)) / 2};
        double[] w = new double[3];
        double sum = 0;
        for (int i = 0; i < 3; i++) {
            w[i] = Math.exp(sd[i]);
            sum += w[i];
        }
        double expected = (w[0] + w[2]) / sum;
        assertEquals(expected, Stability.compute(original, compressed), 1e-12);
        assertEquals(1.0, Stability.compute(original, original), 1e-15);
        assertTrue(expected < 1);
    }
}
