package dev.strata.pipeline.merge;

import dev.strata.pipeline.settings.Settings;
import java.util.List;

/** The few vector steps the operators share, in double until the final rounding to float. */
final class Vectors {
    private Vectors() {
    }

    /** {@code base + scale * v} (just {@code scale * v} when base is null), rounded to float once. */
    static float[] toFloats(double[] v, float[] base, double scale) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) ((base == null ? 0 : base[i]) + scale * v[i]);
        }
        return out;
    }

    /** {@code sum_m w_m d_m}. */
    static double[] weightedSum(double[][] deltas, double[] weights) {
        double[] sum = new double[deltas[0].length];
        for (int m = 0; m < deltas.length; m++) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += weights[m] * deltas[m][i];
            }
        }
        return sum;
    }

    /** Each model's weight, in order. */
    static double[] weights(List<Settings> perModel) {
        return perModel.stream().mapToDouble(s -> s.get(MergeParams.WEIGHT)).toArray();
    }
}
