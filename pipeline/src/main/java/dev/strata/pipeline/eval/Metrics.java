package dev.strata.pipeline.eval;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.eval.task.Measure;
import dev.strata.pipeline.eval.task.Task;
import java.util.ArrayList;
import java.util.Arrays;
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
                case ACC, ACC_NORM, ACC_GREEDY -> mean(m, outcomes(m, examples));
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

    /**
     * Each example's outcome under an accuracy measure, 1 (right) or 0, in example order: what the accuracy is the
     * mean of, and what two models scored on the same examples are compared by, example by example.
     *
     * @param examples the rows grouped by example ({@link #byExample})
     */
    public static double[] outcomes(Measure m, List<List<OptionScore>> examples) {
        return examples.stream().mapToDouble(e -> switch (m) {
            case ACC -> correct(e, false) ? 1 : 0;
            case ACC_NORM -> correct(e, true) ? 1 : 0;
            case ACC_GREEDY -> gold(e).greedy() ? 1 : 0;
            default -> throw new IllegalArgumentException(m + " is not an accuracy");
        }).toArray();
    }

    /** The gold option of one example's rows. */
    public static OptionScore gold(List<OptionScore> options) {
        return options.stream().filter(OptionScore::gold).findFirst()
                .orElseThrow(() -> new StrataException("example " + options.get(0).example() + " of "
                        + options.get(0).task() + " has no gold option"));
    }

    /** The mean and lm-eval's standard error of the mean. */
    private static Value mean(Measure m, double[] values) {
        return new Value(m, Arrays.stream(values).average().orElseThrow(), stderr(values), values.length);
    }

    /** lm-eval's standard error of the mean: the sample standard deviation (n - 1) over sqrt(n); NaN below 2. */
    public static double stderr(double[] values) {
        int n = values.length;
        if (n < 2) {
            return Double.NaN;
        }
        double mean = Arrays.stream(values).average().orElseThrow();
        double ss = Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum();
        return Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
    }
}
