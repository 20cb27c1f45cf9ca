package dev.strata.pipeline.tailor;

import dev.strata.pipeline.merge.MergeOperator;
import dev.strata.pipeline.merge.MergeOperators;
import dev.strata.pipeline.merge.MergeParams;
import dev.strata.pipeline.merge.TensorInputs;
import dev.strata.pipeline.settings.Settings;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * How a candidate merges the layers of several variants with the base's: a merge operator, its settings (but
 * lambda, which each gene sets) and each variant's own settings (weight, density ...), in variant order.
 */
public record LayerMerge(MergeOperator operator, Settings global, List<Settings> perVariant) {

    public LayerMerge {
        perVariant = List.copyOf(perVariant);
    }

    /** GPTailor's merge: task arithmetic, base + lambda * sum_m (theta_m - base), every variant at weight 1. */
    public static LayerMerge taskArithmetic(int variants) {
        return defaults(MergeOperators.get("task_arithmetic", "merge method"), variants);
    }

    /** {@code operator} with every setting at its default, for {@code variants} variants. */
    public static LayerMerge defaults(MergeOperator operator, int variants) {
        Settings each = Settings.fromFlags(operator.modelParams(), Map.of());
        return new LayerMerge(operator, Settings.fromFlags(operator.params(), Map.of()),
                Collections.nCopies(variants, each));
    }

    /** Null when this merge takes {@code chosen} variants (besides the base), else why not. */
    String countProblem(int chosen) {
        return operator.countProblem(chosen);
    }

    /**
     * One tensor of the base's layer merged with the chosen variants' (values in the order of {@code chosen}) at
     * the gene's lambda. {@code name} seeds operators that draw at random (DARE), so it is the base layer's name.
     */
    float[] merge(String name, float[] base, List<float[]> values, List<Integer> chosen, double lambda) {
        Settings atLambda = global.has(MergeParams.LAMBDA) ? global.with(MergeParams.LAMBDA, lambda) : global;
        return operator.merge(new TensorInputs(name, base, values), atLambda,
                chosen.stream().map(perVariant::get).toList());
    }
}
