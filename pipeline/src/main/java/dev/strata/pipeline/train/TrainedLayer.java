package dev.strata.pipeline.train;

import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.forward.DecoderLayer;
import java.util.Map;

/**
 * A layer trained alone, its weights in their own manager (close the result when the layer is no longer used), with
 * the losses of the first and last steps and the mean loss of the last epoch.
 */
public record TrainedLayer(DecoderLayer layer, NDManager weights, TrainingLosses losses) implements AutoCloseable {

    public double firstLoss() {
        return losses.first();
    }

    public double lastLoss() {
        return losses.last();
    }

    public double lastEpochLoss() {
        return losses.lastEpochMean();
    }

    public int steps() {
        return losses.steps();
    }

    /** As the result of a task that trained student layer {@code index}. */
    Trained asLayer(int index) {
        return new Trained(Map.of(index, layer), weights, losses);
    }

    @Override
    public void close() {
        weights.close();
    }
}
