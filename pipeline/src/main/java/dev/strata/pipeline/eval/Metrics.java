package dev.strata.pipeline.eval;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.eval.task.Measure;
import dev.strata.pipeline.eval.task.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Task metrics derived from the log-likelihood rows alone, as lm-evaluation-harness computes them. */
public final class Metrics {
    private Metrics() {
    }

    /**
     * @param stderr standard error (NaN where lm-eval reports none)
     * @param examples examples (windows for text tasks) behind the value
     */
    public record Value(Measure measure, double value, double stderr, int examples) {
    }

    /** Every measure {@code task} reports, from its rows (any order). */
    public static List<Value> compute(Task task, List<OptionScore> rows) {
        List<List<OptionScore>> examples = byExample(rows);
        if (examples.isEmpty()) {
            throw new StrataException(task.name() + ": no scored examples");
        }
        List<Value> out = new ArrayList<>();
        for (Measure m : task.measures()) {
            out.add(switch (m) {
                case ACC -> accuracy(m, examples, false);
                case ACC_NORM -> accuracy(m, examples, true);
                case ACC_GREEDY -> mean(m, examples.stream().map(e -> gold(e).greedy() ? 1.0 : 0.0).toList());
                case PERPLEXITY -> new Value(m, Math.exp(-examples.stream().mapToDouble(e -> gold(e).loglik()).average()
                        .orElseThrow()), Double.NaN, examples.size());
                case TOKEN_PERPLEXITY -> new Value(m, Math.exp(-rows.stream().mapToDouble(OptionScore::loglik).sum()
                        / rows.stream().mapToLong(OptionScore::tokens).sum()), Double.NaN, examples.size());
            });
        }
        return out;
    }

    /** The rows grouped by example, options in order. */
    public static List<List<OptionScore>> byExample(List<OptionScore> rows) {
        Map<Integer, List<OptionScore>> grouped = new TreeMap<>();
        for (OptionScore r : rows) {
            grouped.computeIfAbsent(r.example(), k -> new ArrayList<>()).add(r);
        }
        grouped.values().forEach(l -> l.sort(java.util.Comparator.comparingInt(OptionScore::option)));
        return new ArrayList<>(grouped.values());
    }

    /** The option with the highest (length-normalised) log-likelihood; the first on ties, like numpy's argmax. */
    public static int choice(List<OptionScore> options, boolean normalised) {
        int best = 0;
        for (int o = 1; o < options.size(); o++) {
            if (score(options.get(o), normalised) > score(options.get(best), normalised)) {
                best = o;
            }
        }
        return best;
    }

    private static double score(OptionScore o, boolean normalised) {
        return normalised ? o.loglik() / o.chars() : o.loglik();
    }

    /** True when the model's choice is the gold option. */
    public static boolean correct(List<OptionScore> options, boolean normalised) {
        return options.get(choice(options, normalised)).gold();
    }

    private static Value accuracy(Measure m, List<List<OptionScore>> examples, boolean normalised) {
        return mean(m, examples.stream().map(e -> correct(e, normalised) ? 1.0 : 0.0).toList());
    }

    /** The gold option of one example's rows. */
    public static OptionScore gold(List<OptionScore> options) {
        return options.stream().filter(OptionScore::gold).findFirst()
                .orElseThrow(() -> new StrataException("example " + options.get(0).example() + " of "
                        + options.get(0).task() + " has no gold option"));
    }

    /** The mean and lm-eval's standard error of the mean: sample standard deviation (n - 1) over sqrt(n). */
    private static Value mean(Measure m, List<Double> values) {
        int n = values.size();
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double ss = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
        double stderr = n > 1 ? Math.sqrt(ss / (n - 1)) / Math.sqrt(n) : Double.NaN;
        return new Value(m, mean, stderr, n);
    }
}
