package dev.strata.pipeline.bench;

import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A stand-in for a fine-tuned variant: the model with seeded Gaussian noise added to every decoder-layer weight
 * (embeddings and the final norm kept), for searches whose cost, not their result, is measured or tested.
 */
public final class NoisyCopy {
    private NoisyCopy() {
    }

    /** {@code base} with noise of standard deviation {@code scale} on its layers, reproducible from {@code seed}. */
    public static Checkpoint of(Checkpoint base, long seed, float scale) {
        Random random = new Random(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        base.tensors().forEach((name, t) -> {
            if (!name.startsWith("model.layers.")) {
                tensors.put(name, t);
                return;
            }
            float[] values = t.toFloatArray();
            for (int i = 0; i < values.length; i++) {
                values[i] += scale * (float) random.nextGaussian();
            }
            tensors.put(name, Tensor.of(name, t.dtype(), t.shape(), values));
        });
        return new Checkpoint(base.config(), tensors, base.assets());
    }
}
