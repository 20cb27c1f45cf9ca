package dev.strata.pipeline.compress;

import dev.strata.pipeline.model.Checkpoint;

/** A model a method made, with the plan that says how. */
public record Compressed(Checkpoint model, Plan plan) {
    public Compressed {
        if (plan.layers().size() != model.config().numLayers()) {
            throw new IllegalArgumentException("the plan describes " + plan.layers().size() + " layers, the model has "
                    + model.config().numLayers());
        }
    }
}
