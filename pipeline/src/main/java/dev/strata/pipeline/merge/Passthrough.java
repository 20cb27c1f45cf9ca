package dev.strata.pipeline.merge;

import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import java.util.List;

/** One model's tensor unchanged: with layer slices, how layers are dropped, reordered or stacked. */
final class Passthrough implements MergeOperator {
    @Override
    public String name() {
        return "passthrough";
    }

    @Override
    public String summary() {
        return "One model's tensors unchanged (layers picked by slices).";
    }

    @Override
    public Params params() {
        return Params.of();
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
        return models != 1 ? "takes exactly one model (per slice)" : null;
    }

    @Override
    public float[] merge(TensorInputs in, Settings global, List<Settings> perModel) {
        return in.models().get(0).clone();
    }
}
