package dev.strata.pipeline.merge;

import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import java.util.List;

/** The base plus lambda times the weighted sum (not mean) of the models' differences from it, as GPTailor merges. */
final class TaskArithmetic implements MergeOperator {
    @Override
    public String name() {
        return "task_arithmetic";
    }

    @Override
    public String summary() {
        return "base + lambda * sum_m w_m (theta_m - base).";
    }

    @Override
    public Params params() {
        return Params.of(MergeParams.LAMBDA);
    }

    @Override
    public Params modelParams() {
        return Params.of(MergeParams.WEIGHT);
    }

    @Override
    public boolean needsBase() {
        return true;
    }

    @Override
    public String countProblem(int models) {
        return models < 1 ? "needs at least one model besides the base" : null;
    }

    @Override
    public float[] merge(TensorInputs in, Settings global, List<Settings> perModel) {
        return Vectors.toFloats(Vectors.weightedSum(in.deltas(name()), Vectors.weights(perModel)), in.base(),
                global.get(MergeParams.LAMBDA));
    }
}
