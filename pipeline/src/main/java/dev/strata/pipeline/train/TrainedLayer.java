package dev.strata.pipeline.train;

import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.forward.DecoderLayer;

/**
 * A layer trained alone, its weights in their own manager (close the result when the layer is no longer used), with
 * the losses of the first and last steps and the mean loss of the last epoch.
 */
public record TrainedLayer(DecoderLayer layer, NDManager weights, double firstLoss, double lastLoss,
        double lastEpochLoss, int steps) implements AutoCloseable {

    static TrainedLayer of(DecoderLayer layer, NDManager weights, TrainingLoop.Losses losses) {
        return new TrainedLayer(layer, weights, losses.first(), losses.last(), losses.lastEpochMean(), losses.steps());
    }

    @Override
    public void close() {
        weights.close();
    }
}
