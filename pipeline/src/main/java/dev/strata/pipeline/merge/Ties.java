package dev.strata.pipeline.merge;

import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import java.util.List;

/** TIES-merging: trim each model's differences to its largest, elect a sign per element, disjoint mean. */
final class Ties implements MergeOperator {
    @Override
    public String name() {
        return "ties";
    }

    @Override
    public String summary() {
        return "Trim to the largest (density), elect signs, disjoint mean.";
    }

    @Override
    public Params params() {
        return Params.of(MergeParams.LAMBDA);
    }

    @Override
    public Params modelParams() {
        return Params.of(MergeParams.WEIGHT, MergeParams.DENSITY);
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
        double[][] deltas = in.deltas(name());
        for (int m = 0; m < deltas.length; m++) {
            MagnitudeTrim.keepLargest(deltas[m], perModel.get(m).get(MergeParams.DENSITY));
        }
        return Vectors.toFloats(SignConsensus.disjointMean(deltas, Vectors.weights(perModel)), in.base(),
                global.get(MergeParams.LAMBDA));
    }
}
