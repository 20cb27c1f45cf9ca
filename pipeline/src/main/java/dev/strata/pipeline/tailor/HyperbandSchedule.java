package dev.strata.pipeline.tailor;

import dev.strata.pipeline.StrataException;

/**
 * Hyperband's brackets (Li et al. 2018), as SMAC runs them, over a budget of evaluation examples. With
 * {@code sMax = floor(log_eta(max / min))}, bracket {@code b} has {@code s = sMax - (b mod (sMax + 1))}: it starts
 * {@code n = ceil((sMax + 1) * eta^s / (s + 1))} configurations at budget {@code max / eta^s}, and stage {@code i}
 * evaluates the best {@code floor(n / eta^i)} of the stage before at budget {@code max / eta^(s - i)} (rounded to whole
 * examples). For eta 3, min 10, max 90 the brackets cycle through
 * <pre>
 *   s = 2:  9 configs at 10 -> 3 at 30 -> 1 at 90
 *   s = 1:  5 configs at 30 -> 1 at 90
 *   s = 0:  3 configs at 90
 * </pre>
 * The most aggressive bracket comes first; the last is plain random search at the full budget.
 */
public record HyperbandSchedule(int minBudget, int maxBudget, int eta) {

    public HyperbandSchedule {
        if (minBudget < 1 || maxBudget < minBudget) {
            throw new StrataException("budgets must satisfy 1 <= min <= max, got min " + minBudget + ", max "
                    + maxBudget);
        }
        if (eta < 2) {
            throw new StrataException("eta must be at least 2, got " + eta);
        }
    }

    /** The largest s: how many times the budget can grow by eta from min to max. */
    public int sMax() {
        int s = 0;
        long budget = minBudget;
        while (budget * eta <= maxBudget) {
            budget *= eta;
            s++;
        }
        return s;
    }

    /** The s of bracket {@code bracket}: its number of promotions. */
    public int s(int bracket) {
        return sMax() - Math.floorMod(bracket, sMax() + 1);
    }

    /** Configurations evaluated at each stage of bracket {@code bracket}. */
    public int[] sizes(int bracket) {
        int s = s(bracket);
        long power = pow(s);
        long first = ((long) (sMax() + 1) * power + s) / (s + 1); // ceil((sMax + 1) * eta^s / (s + 1))
        int[] out = new int[s + 1];
        for (int i = 0; i <= s; i++) {
            out[i] = (int) (first / pow(i));
        }
        return out;
    }

    /** Evaluation examples at each stage of bracket {@code bracket}. */
    public int[] budgets(int bracket) {
        int s = s(bracket);
        int[] out = new int[s + 1];
        for (int i = 0; i <= s; i++) {
            out[i] = (int) Math.round(maxBudget / (double) pow(s - i));
        }
        return out;
    }

    private long pow(int k) {
        long p = 1;
        for (int i = 0; i < k; i++) {
            p *= eta;
        }
        return p;
    }
}
