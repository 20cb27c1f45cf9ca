package dev.strata.pipeline.bench;

import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.Tensor;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Random weights of a given Llama shape, for speed work where real checkpoints of that size are not at hand. */
public final class RandomWeights {
    private static final double STD = 0.02;

    private RandomWeights() {
    }

    /** Uniform weights with standard deviation 0.02 (norm weights 1), reproducible from {@code seed}. */
    public static Checkpoint checkpoint(LlamaConfig config, long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        double halfWidth = STD * Math.sqrt(3);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        LlamaLayout.expectedShapes(config).forEach((name, shape) -> {
            Tensor t = Tensor.allocate(name, config.dtype(), shape);
            FloatBuffer f = t.floats();
            if (shape.length == 1) {
                while (f.hasRemaining()) {
                    f.put(1f);
                }
            } else {
                SplittableRandom rng = root.split();
                while (f.hasRemaining()) {
                    f.put((float) ((rng.nextDouble() * 2 - 1) * halfWidth));
                }
            }
            tensors.put(name, t);
        });
        return new Checkpoint(config, tensors, Map.of());
    }
}
