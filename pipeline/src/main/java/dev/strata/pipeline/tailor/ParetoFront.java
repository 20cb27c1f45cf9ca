package dev.strata.pipeline.tailor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The non-dominated results: those no other result beats on every objective (all {@code <=}, one {@code <}). Equal
 * vectors do not dominate each other, so duplicates and ties all stay on the front. Compare results of one budget
 * only: a cheap evaluation's noise can look like a win.
 */
public final class ParetoFront {
    private ParetoFront() {
    }

    /** Whether {@code a} dominates {@code b} (minimising every objective). */
    public static boolean dominates(double[] a, double[] b) {
        boolean better = false;
        for (int i = 0; i < a.length; i++) {
            if (a[i] > b[i]) {
                return false;
            }
            better |= a[i] < b[i];
        }
        return better;
    }

    /** The items whose objectives no other item's dominate, in their given order. */
    public static <T> List<T> of(List<T> items, Function<T, double[]> objectives) {
        List<double[]> f = items.stream().map(objectives).toList();
        List<T> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            boolean dominated = false;
            for (int j = 0; j < items.size() && !dominated; j++) {
                dominated = j != i && dominates(f.get(j), f.get(i));
            }
            if (!dominated) {
                out.add(items.get(i));
            }
        }
        return out;
    }

    /** The told trials on the front. */
    public static List<Trial> ofTrials(List<Trial> trials) {
        return of(trials, t -> t.result().objectives());
    }
}
