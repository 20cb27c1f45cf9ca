package dev.strata.pipeline.compress;

import dev.strata.pipeline.model.ModelWeights;

/** A model a method made (loaded, or a view of stored weights written without loading them), with its plan. */
public record Compressed(ModelWeights model, Plan plan) {
    public Compressed {
        if (plan.layers().size() != model.config().numLayers()) {
            throw new IllegalArgumentException("the plan describes " + plan.layers().size() + " layers, the model has "
                    + model.config().numLayers());
        }
    }
}
