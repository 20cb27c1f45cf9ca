package dev.strata.pipeline.compress;

import java.util.List;

/**
 * A model a run stored: its name in the run, its folder's address, its plan, and the losses of the training that
 * made it (empty when it was not trained).
 */
public record StoredModel(String name, String address, Plan plan, List<TrainingRecord> training) {

    public StoredModel {
        training = List.copyOf(training);
    }

    public int layers() {
        return plan.layers().size();
    }
}
