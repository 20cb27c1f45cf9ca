package dev.strata.pipeline.eval;

import dev.strata.pipeline.StrataException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * LLM-Streamline's stability of a compressed model against the original on a multiple-choice task:
 * S = sum over examples of w_i * [both models right, or both wrong], with w_i = softmax over examples of the
 * standard deviation, over the example's options, of the original model's per-option perplexity
 * exp(-loglik / tokens). Right and wrong follow acc (the unnormalised choice). The weights are those of the
 * examples being summed (the reference code sums the first k weights instead, a bug not repeated here).
 */
public final class Stability {
    private Stability() {
    }

    public static double compute(List<OptionScore> original, List<OptionScore> compressed) {
        List<List<OptionScore>> before = Metrics.byExample(original);
        Map<Integer, List<OptionScore>> after = new HashMap<>();
        for (List<OptionScore> e : Metrics.byExample(compressed)) {
            after.put(e.get(0).example(), e);
        }
        if (before.isEmpty() || before.size() != after.size()) {
            throw new StrataException("stability needs the same examples scored by both models (" + before.size()
                    + " and " + after.size() + ")");
        }
        double[] spread = new double[before.size()];
        for (int i = 0; i < spread.length; i++) {
            spread[i] = perplexitySpread(before.get(i));
        }
        double max = java.util.Arrays.stream(spread).max().orElseThrow();
        double total = 0;
        double agreeing = 0;
        for (int i = 0; i < spread.length; i++) {
            List<OptionScore> b = before.get(i);
            List<OptionScore> a = after.get(b.get(0).example());
            if (a == null || a.size() != b.size()) {
                throw new StrataException("stability: example " + b.get(0).example() + " differs between the models");
            }
            double w = Math.exp(spread[i] - max);
            total += w;
            if (Metrics.correct(b, false) == Metrics.correct(a, false)) {
                agreeing += w;
            }
        }
        return agreeing / total;
    }

    /** Population standard deviation of the options' perplexities exp(-loglik / tokens). */
    static double perplexitySpread(List<OptionScore> options) {
        double[] ppl = options.stream().mapToDouble(o -> Math.exp(-o.loglik() / o.tokens())).toArray();
        double mean = java.util.Arrays.stream(ppl).average().orElseThrow();
        double ss = java.util.Arrays.stream(ppl).map(p -> (p - mean) * (p - mean)).sum();
        return Math.sqrt(ss / ppl.length);
    }
}
