package dev.strata.pipeline.tailor;

import dev.strata.pipeline.StrataException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * ParEGO's scalarisation (Knowles 2006), as GPTailor uses it across tasks: each draw (a round, a promotion) gets its own
 * weight vector, uniform on the simplex, and a vector f of objectives costs the augmented Chebyshev
 * {@code max_i(w_i f'_i) + rho * sum_i w_i f'_i} of f normalised to [0, 1] by the least and greatest value seen per
 * objective. Varying the weights spreads the search along the Pareto front; the rho term breaks ties of the max.
 */
public record ParEgo(int objectives, long seed, double rho) implements Scalarisation {
    public static final double RHO = 0.05;

    public ParEgo {
        if (objectives < 1) {
            throw new StrataException("ParEGO needs at least one objective, got " + objectives);
        }
    }

    public ParEgo(int objectives, long seed) {
        this(objectives, seed, RHO);
    }

    /** The weights of {@code draw}: uniform on the simplex (normalised exponential draws, i.e. Dirichlet(1, ..., 1)). */
    public double[] weights(long draw) {
        Random r = Seeds.random(seed, draw);
        double[] w = new double[objectives];
        double sum = 0;
        for (int i = 0; i < objectives; i++) {
            w[i] = -Math.log(1 - r.nextDouble()); // 1 - u lies in (0, 1]: never log(0)
            sum += w[i];
        }
        for (int i = 0; i < objectives; i++) {
            w[i] /= sum;
        }
        return w;
    }

    @Override
    public double[] costs(List<double[]> candidates, List<double[]> seen, long draw) {
        double[] w = weights(draw);
        double[] min = new double[objectives];
        double[] max = new double[objectives];
        Arrays.fill(min, Double.POSITIVE_INFINITY);
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (List<double[]> group : List.of(seen, candidates)) {
            for (double[] f : group) {
                width(f);
                for (int i = 0; i < objectives; i++) {
                    min[i] = Math.min(min[i], f[i]);
                    max[i] = Math.max(max[i], f[i]);
                }
            }
        }
        double[] out = new double[candidates.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = chebyshev(candidates.get(k), w, min, max, rho);
        }
        return out;
    }

    /**
     * The augmented Chebyshev cost of {@code f}. An objective whose least and greatest seen values agree normalises to
     * 0: it tells the candidates nothing apart, and 0 lets the other objectives decide the max.
     */
    public static double chebyshev(double[] f, double[] w, double[] min, double[] max, double rho) {
        double worst = Double.NEGATIVE_INFINITY;
        double sum = 0;
        for (int i = 0; i < f.length; i++) {
            double range = max[i] - min[i];
            double v = w[i] * (range > 0 ? (f[i] - min[i]) / range : 0);
            worst = Math.max(worst, v);
            sum += v;
        }
        return worst + rho * sum;
    }

    private void width(double[] f) {
        if (f.length != objectives) {
            throw new StrataException("ParEGO over " + objectives + " objectives got a result of " + f.length);
        }
    }
}
