package dev.strata.pipeline.merge;

/**
 * TIES's sign election and disjoint mean: per element, the sign of the sum of the weighted differences wins
 * (0 counts as positive, as in mergekit); the result is the weighted mean of only the differences that have
 * that sign, so a model that disagrees, or whose difference was trimmed or dropped to 0, does not dilute it.
 */
final class SignConsensus {
    private SignConsensus() {
    }

    static double[] disjointMean(double[][] deltas, double[] weights) {
        int n = deltas[0].length;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int m = 0; m < deltas.length; m++) {
                sum += weights[m] * deltas[m][i];
            }
            double elected = sum >= 0 ? 1 : -1;
            double agreeing = 0;
            double agreeingWeight = 0;
            for (int m = 0; m < deltas.length; m++) {
                double v = weights[m] * deltas[m][i];
                if (Math.signum(v) == elected) {
                    agreeing += v;
                    agreeingWeight += weights[m];
                }
            }
            out[i] = agreeingWeight == 0 ? 0 : agreeing / agreeingWeight;
        }
        return out;
    }
}
