package dev.strata.pipeline.train;

import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.forward.DecoderLayer;
import java.util.Map;

/**
 * What a training task trained: student layers by index, their weights in their own manager (close the result when
 * the layers are no longer used), and the losses.
 */
public record Trained(Map<Integer, DecoderLayer> layers, NDManager weights, TrainingLosses losses)
        implements AutoCloseable {

    public Trained {
        layers = Map.copyOf(layers);
    }

    @Override
    public void close() {
        weights.close();
    }
}
