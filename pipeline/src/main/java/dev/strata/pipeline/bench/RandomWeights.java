package dev.strata.pipeline.bench;

import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
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
        double halfWidth = STD * Math.sqrt(3);
        List<TensorStream> out = new ArrayList<>();
        LlamaLayout.expectedShapes(config).forEach((name, shape) -> {
            SplittableRandom rng = shape.length == 1 ? null : root.split();
            out.add(new TensorStream() {
                private long left = elementCount();

                @Override
                public String name() {
                    return name;
                }

                @Override
                public DType dtype() {
                    return config.dtype();
                }

                @Override
                public long[] shape() {
                    return shape.clone();
                }

                @Override
                public void next(FloatBuffer dst) {
                    for (; left > 0 && dst.hasRemaining(); left--) {
                        dst.put(rng == null ? 1f : (float) ((rng.nextDouble() * 2 - 1) * halfWidth));
                    }
                }
            });
        });
        return out;
    }
}
