package dev.strata.pipeline.merge;

import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import java.util.List;

/**
 * DARE: drop each difference element with probability 1 - density and rescale the survivors by 1 / density (so
 * the expected difference is unchanged), then task arithmetic or, with consensus: ties, TIES's sign election.
 */
final class Dare implements MergeOperator {
    /** What follows the drop. */
    public enum Consensus {
        NONE,
        TIES
    }

    @Override
    public String name() {
        return "dare";
    }

    @Override
    public String summary() {
        return "Random drop (1 - density), rescale, task arithmetic or ties.";
    }

    @Override
    public Params params() {
        return Params.of(MergeParams.LAMBDA, MergeParams.SEED, MergeParams.CONSENSUS);
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
            DropMask.dropAndRescale(deltas[m], perModel.get(m).get(MergeParams.DENSITY), global.get(MergeParams.SEED),
                    in.name(), m);
        }
        double[] weights = Vectors.weights(perModel);
        double[] merged = global.get(MergeParams.CONSENSUS) == Consensus.TIES
                ? SignConsensus.disjointMean(deltas, weights) : Vectors.weightedSum(deltas, weights);
        return Vectors.toFloats(merged, in.base(), global.get(MergeParams.LAMBDA));
    }
}
