package dev.strata.pipeline.merge;

import dev.strata.pipeline.settings.Param;

/** The merge settings several operators share, each declared once (keys as in mergekit's configs). */
public final class MergeParams {
    private MergeParams() {
    }

    public static final Param<Double> WEIGHT = Param.number("weight", 1.0,
            "This model's weight in the sum or mean.");

    public static final Param<Double> DENSITY = Param.number("density", 1.0,
            "Share of this model's differences from the base kept (TIES: the largest; DARE: at random).")
            .check(Param.share());

    public static final Param<Double> LAMBDA = Param.number("lambda", 1.0,
            "Scale of the merged differences added to the base.");

    public static final Param<Boolean> NORMALIZE = Param.bool("normalize", true,
            "Divide the weighted sum by the sum of the weights.");

    public static final Param<Double> T = Param.number("t", null,
            "Interpolation position: 0 gives the first model, 1 the second.").required().check(Param.unitInterval());

    public static final Param<Integer> SEED = Param.integer("seed", 0, "Seed of the random drop masks.");

    public static final Param<Dare.Consensus> CONSENSUS = Param.choice("consensus", Dare.Consensus.values(),
            Dare.Consensus.NONE, "After dropping: none (task arithmetic) or ties (sign election, disjoint mean).");
}
