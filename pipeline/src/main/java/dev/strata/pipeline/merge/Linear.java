package dev.strata.pipeline.merge;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import java.util.List;

/** The weighted mean of the models (the weighted sum when normalize is false); no base. */
final class Linear implements MergeOperator {
    @Override
    public String name() {
        return "linear";
    }

    @Override
    public String summary() {
        return "Weighted mean of the models (the sum with normalize: false).";
    }

    @Override
    public Params params() {
        return Params.of(MergeParams.NORMALIZE);
    }

    @Override
    public Params modelParams() {
        return Params.of(MergeParams.WEIGHT);
    }

    @Override
    public boolean needsBase() {
        return false;
    }

    @Override
    public String countProblem(int models) {
        return models < 1 ? "needs at least one model" : null;
    }

    @Override
    public float[] merge(TensorInputs in, Settings global, List<Settings> perModel) {
        double[] sum = new double[in.length()];
        double weights = 0;
        for (int m = 0; m < in.models().size(); m++) {
            double w = perModel.get(m).get(MergeParams.WEIGHT);
            weights += w;
            float[] x = in.models().get(m);
            for (int i = 0; i < sum.length; i++) {
                sum[i] += w * x[i];
            }
        }
        double scale = 1;
        if (global.get(MergeParams.NORMALIZE)) {
            if (weights == 0) {
                throw new StrataException("tensor '" + in.name() + "': the linear weights sum to 0, so they cannot be "
                        + "normalised (set normalize: false, or other weights)");
            }
            scale = 1 / weights;
        }
        return Vectors.toFloats(sum, null, scale);
    }
}
