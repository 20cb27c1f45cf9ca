package dev.strata.pipeline.eval.report;

import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.eval.OptionScore;
import dev.strata.pipeline.eval.task.Task;
import dev.strata.pipeline.eval.task.Tasks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reports over hand-made rows, whose every figure can be worked by hand. */
final class Reports {
    static final List<Task> TASKS = Tasks.parse("copa,lambada,wikitext");

    private Reports() {
    }

    /**
     * An original (5 layers) and a compressed model (4 layers). copa (2 options, chance 0.5): the original gets 7 of
     * 8 right, the compressed 4 of 8; lambada 1 of 2 and 0 of 2; wikitext a window of 50 tokens at -100 and -120.
     */
    static EvalReport sample(Map<String, List<Double>> layerScores) {
        Map<String, Map<String, List<OptionScore>>> rows = new LinkedHashMap<>();
        rows.put("models/original", rows(right(7, 8), new boolean[] {true, false}, -100));
        rows.put("models/compressed", rows(right(4, 8), new boolean[] {false, false}, -120));
        return EvalReport.build(TASKS, Map.of("models/original", new EvalReport.Profile("", 5, 260_000L),
                "models/compressed", new EvalReport.Profile("", 4, 210_000L)), rows, DataHalf.SECOND, layerScores);
    }

    /**
     * An original and {@code n} compressed models named with long names, of 4 or 3 layers by turns, on copa only:
     * model i gets 8 - i % 5 of 8 copa examples right.
     */
    static EvalReport many(int n) {
        int[][] models = new int[n][];
        for (int i = 0; i < n; i++) {
            models[i] = new int[] {4 - i % 2, 8 - i % 5};
        }
        return copaModels(7, models);
    }

    /**
     * An original (5 layers, {@code originalRight} of 8 copa examples right) and compressed models, each given as
     * {layers, right of 8 (the first ones; negative: the last ones)}, named "model X with a long label LL" (X a letter from a), made by "method-I".
     */
    static EvalReport copaModels(int originalRight, int[]... models) {
        return copaModels(originalRight, Double.NaN, models);
    }

    /**
     * As {@link #copaModels(int, int[]...)}, with wikitext too when {@code originalLoglik} is a number: a window of
     * 50 tokens at that log-likelihood for the original and at minus the third number of each model's array.
     */
    static EvalReport copaModels(int originalRight, double originalLoglik, int[]... models) {
        boolean text = !Double.isNaN(originalLoglik);
        Map<String, Map<String, List<OptionScore>>> rows = new LinkedHashMap<>();
        Map<String, EvalReport.Profile> profiles = new LinkedHashMap<>();
        rows.put("original 5L", tasks(right(originalRight, 8), text, originalLoglik));
        profiles.put("original 5L", new EvalReport.Profile("original", 5, 260_000L));
        for (int i = 0; i < models.length; i++) {
            int layers = models[i][0];
            String name = "model " + (char) ('a' + i) + " with a long label " + layers + "L";
            rows.put(name, tasks(right(models[i][1], 8), text, text ? -models[i][2] : 0));
            profiles.put(name, new EvalReport.Profile("method-" + i, layers, 52_000L * (layers + 1)));
        }
        return EvalReport.build(Tasks.parse(text ? "copa,wikitext" : "copa"), profiles, rows, DataHalf.ALL, Map.of());
    }

    private static Map<String, List<OptionScore>> tasks(boolean[] copaRight, boolean text, double loglik) {
        Map<String, List<OptionScore>> byTask = new LinkedHashMap<>();
        byTask.put("copa", copa(copaRight));
        if (text) {
            byTask.put("wikitext", List.of(new OptionScore("wikitext", 0, 0, loglik, 50, 0, true, false)));
        }
        return byTask;
    }

    /** {@code right} trues followed by falses, {@code of} in all; for a negative {@code right}, the last -right. */
    static boolean[] right(int right, int of) {
        boolean[] out = new boolean[of];
        for (int i = 0; i < Math.abs(right); i++) {
            out[right >= 0 ? i : of - 1 - i] = true;
        }
        return out;
    }

    private static List<OptionScore> copa(boolean[] right) {
        List<OptionScore> copa = new ArrayList<>();
        for (int e = 0; e < right.length; e++) {
            copa.add(new OptionScore("copa", e, 0, right[e] ? -1 : -3, 2, 5, true, false));
            copa.add(new OptionScore("copa", e, 1, -2 - e * 0.1, 2, 5, false, false));
        }
        return copa;
    }

    private static Map<String, List<OptionScore>> rows(boolean[] copaRight, boolean[] lambadaGreedy, double textLoglik) {
        Map<String, List<OptionScore>> byTask = new LinkedHashMap<>();
        byTask.put("copa", copa(copaRight));
        List<OptionScore> lambada = new ArrayList<>();
        for (int e = 0; e < lambadaGreedy.length; e++) {
            lambada.add(new OptionScore("lambada", e, 0, -2, 1, 4, true, lambadaGreedy[e]));
        }
        byTask.put("lambada", lambada);
        byTask.put("wikitext", List.of(new OptionScore("wikitext", 0, 0, textLoglik, 50, 0, true, false)));
        return byTask;
    }
}
