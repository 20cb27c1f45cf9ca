package dev.strata.pipeline.bench;

import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.Tensor;
import dev.strata.pipeline.model.TensorStream;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Random weights of a given Llama shape, for speed work where real checkpoints of that size are not at hand. */
public final class RandomWeights {
    private static final double STD = 0.02;

    private RandomWeights() {
    }

    /** Uniform weights with standard deviation 0.02 (norm weights 1), reproducible from {@code seed}. */
    public static Checkpoint checkpoint(LlamaConfig config, long seed) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (TensorStream stream : streams(config, seed)) {
            Tensor t = Tensor.allocate(stream.name(), stream.dtype(), stream.shape());
            stream.next(t.floats());
            tensors.put(t.name(), t);
        }
        return new Checkpoint(config, tensors, Map.of());
    }

    /**
     * The same weights as {@link #checkpoint}, generated as they are read: a model of any size written with one
     * chunk in memory ({@code strata synth}). Each matrix has its own generator, split from the seed's in order.
     */
    public static List<TensorStream> streams(LlamaConfig config, long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        List<TensorStream> out = new ArrayList<>();
        LlamaLayout.expectedShapes(config).forEach((name, shape) -> out.add(new TensorStream(name, config.dtype(),
                shape, new Uniform(name.endsWith("norm.weight") ? null : root.split(), Tensor.elementCount(name,
                        shape)))));
        return out;
    }

    /** One tensor's values: uniform from its own generator, or ones (a norm's weight) without one. */
    private static final class Uniform implements TensorStream.Values {
        private static final double HALF_WIDTH = STD * Math.sqrt(3);
        private final SplittableRandom rng;
        private long left;

        Uniform(SplittableRandom rng, long count) {
            this.rng = rng;
            this.left = count;
        }

        @Override
        public void next(FloatBuffer dst) {
            for (; left > 0 && dst.hasRemaining(); left--) {
                dst.put(rng == null ? 1f : (float) ((rng.nextDouble() * 2 - 1) * HALF_WIDTH));
            }
        }
    }
}
