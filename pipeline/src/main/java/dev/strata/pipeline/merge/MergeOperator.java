package dev.strata.pipeline.merge;

import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import java.util.List;

/**
 * A parameter merge of M models' values of one named tensor (as mergekit's merge methods), optionally relative to a
 * base's values of it. Operators see one tensor at a time, so a caller may merge a whole model, one layer, or any
 * subset of tensors (the GPTailor search merges per layer) with the same code.
 */
public interface MergeOperator {
    /** The name in configs (merge_method) and listings. */
    String name();

    /** One line for help and the README. */
    String summary();

    /** Settings of the merge as a whole (the config's top-level {@code parameters}). */
    Params params();

    /** Settings of each model (each model's {@code parameters}), e.g. weight and density. */
    Params modelParams();

    /** True when the merge works on differences from a base model (task vectors), which must then be given. */
    boolean needsBase();

    /** Null when this operator merges {@code models} models, else the problem ("merges exactly two models"). */
    String countProblem(int models);

    /**
     * The merged values of one tensor.
     *
     * @param global the values of {@link #params()}
     * @param perModel the values of {@link #modelParams()}, one per model, in the order of {@code in.models()}
     */
    float[] merge(TensorInputs in, Settings global, List<Settings> perModel);
}
