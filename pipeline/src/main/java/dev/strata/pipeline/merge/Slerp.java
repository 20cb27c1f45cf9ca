package dev.strata.pipeline.merge;

import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import java.util.List;

/**
 * Spherical interpolation between two models' flattened tensors, as mergekit's slerp: the angle comes from the
 * normalised vectors, the coefficients apply to the vectors as they are. Near-parallel vectors (|cos| above
 * {@link #PARALLEL}) and zero vectors, where the angle is ill-defined, are interpolated linearly.
 */
final class Slerp implements MergeOperator {
    /** mergekit's DOT_THRESHOLD. */
    static final double PARALLEL = 0.9995;

    @Override
    public String name() {
        return "slerp";
    }

    @Override
    public String summary() {
        return "Spherical interpolation of two models at t.";
    }

    @Override
    public Params params() {
        return Params.of(MergeParams.T);
    }

    @Override
    public Params modelParams() {
        return Params.of();
    }

    @Override
    public boolean needsBase() {
        return false;
    }

    @Override
    public String countProblem(int models) {
        return models != 2 ? "merges exactly two models" : null;
    }

    @Override
    public float[] merge(TensorInputs in, Settings global, List<Settings> perModel) {
        float[] a = in.models().get(0);
        float[] b = in.models().get(1);
        double t = global.get(MergeParams.T);
        double dot = 0;
        double normA = 0;
        double normB = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            normA += (double) a[i] * a[i];
            normB += (double) b[i] * b[i];
        }
        double s0 = 1 - t;
        double s1 = t;
        if (normA > 0 && normB > 0) {
            double cos = dot / (Math.sqrt(normA) * Math.sqrt(normB));
            if (Math.abs(cos) <= PARALLEL) {
                double theta = Math.acos(cos);
                double sin = Math.sin(theta);
                s0 = Math.sin((1 - t) * theta) / sin;
                s1 = Math.sin(t * theta) / sin;
            }
        }
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (float) (s0 * a[i] + s1 * b[i]);
        }
        return out;
    }
}
