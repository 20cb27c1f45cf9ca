package dev.strata.pipeline.bench;

import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.Tensor;
import dev.strata.pipeline.surgery.ChannelChoice;
import dev.strata.pipeline.surgery.ConcatMerge;
import dev.strata.pipeline.surgery.LayerSurgery;
import dev.strata.pipeline.surgery.LayerWeights;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The CoMe merge step alone (channel choice, concatenation, surgery on the checkpoint) on random weights of a real
 * shape, against the machine's memory-copy rate for the same bytes (a merge reads two layers and writes one; the
 * copy moves the same three layers' bytes), medians of a few repetitions in one run.
 */
public final class MergeBenchmark {
    private MergeBenchmark() {
    }

    /** @param copySeconds a plain copy of the bytes the merge reads and writes */
    public record Result(String shape, long layerBytes, double mergeSeconds, double copySeconds) {
        public double ratio() {
            return copySeconds / mergeSeconds;
        }
    }

    public static Result run(ModelShape shape, int repetitions) {
        LlamaConfig config = shape.config(2);
        Checkpoint model = RandomWeights.checkpoint(config, 7);
        SplittableRandom rng = new SplittableRandom(11);
        ChannelChoice.Sensitivity a = sensitivity(config, rng);
        ChannelChoice.Sensitivity b = sensitivity(config, rng);
        LayerWeights first = LayerWeights.of(model, 0);
        long layerBytes = first.tensors().values().stream().mapToLong(t -> (long) t.numel() * Float.BYTES).sum();
        double[] merge = new double[repetitions];
        double[] copy = new double[repetitions];
        for (int i = 0; i < repetitions; i++) {
            long start = System.nanoTime();
            ChannelChoice choice = ChannelChoice.come(0.3, 0.2, a, b);
            LayerWeights merged = ConcatMerge.merge(config, first, LayerWeights.of(model, 1), choice);
            ModelWeights result = LayerSurgery.replacePair(model, 0, merged);
            merge[i] = (System.nanoTime() - start) / 1e9;
            if (result.config().numLayers() != 1) {
                throw new IllegalStateException("the merge did not remove a layer");
            }
            copy[i] = copySeconds(first, 3);
        }
        return new Result(shape.id(), layerBytes, median(merge), median(copy));
    }

    /** Seconds to copy every tensor of a layer {@code times} times into direct buffers allocated beforehand. */
    private static double copySeconds(LayerWeights layer, int times) {
        java.util.List<ByteBuffer> targets = layer.tensors().values().stream()
                .map(t -> ByteBuffer.allocateDirect(t.numel() * Float.BYTES).order(ByteOrder.nativeOrder())).toList();
        java.util.List<Tensor> sources = java.util.List.copyOf(layer.tensors().values());
        long start = System.nanoTime();
        for (int k = 0; k < times; k++) {
            for (int i = 0; i < sources.size(); i++) {
                targets.get(i).clear().put(sources.get(i).buffer());
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static ChannelChoice.Sensitivity sensitivity(LlamaConfig c, SplittableRandom rng) {
        return new ChannelChoice.Sensitivity(rng.doubles(c.numKvHeads()).toArray(),
                rng.doubles(c.intermediateSize()).toArray());
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
