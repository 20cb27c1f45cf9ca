package dev.strata.pipeline.surgery;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.Tensor;
import dev.strata.pipeline.model.TensorStream;
import java.util.List;
import java.util.Map;

/**
 * A model made of other models' layers and new ones, renumbered from 0: each layer is a layer of the source (or of
 * another model of its architecture, a fine-tuned variant), kept as it is, or weights a method made (a merged pair,
 * a replacement block), or weights computed when written (a merge of variants); the embeddings, final norm, head and
 * side files are the source's. A view: nothing is read or computed until it is written, one tensor at a time, so a
 * model in its files is pruned or merged by streaming it into the new folder, never loading it whole.
 */
public record LayerAssembly(ModelWeights source, List<Layer> layers) implements ModelWeights {

    /** One layer of the assembly. */
    public sealed interface Layer {
    }

    /** Layer {@code index} of {@code from} (the source, or a model of its architecture), unchanged. */
    public record Kept(ModelWeights from, int index) implements Layer {
    }

    /** Weights a method made. */
    public record Made(LayerWeights weights) implements Layer {
    }

    /**
     * Weights computed tensor by tensor when written, in the image of layer {@code index} of {@code like}: each
     * tensor takes that layer's storage type and shape, declared before its values are computed, so that a writer
     * computes one tensor at a time.
     */
    public record Computed(ModelWeights like, int index, java.util.function.Function<LayerTensor, Tensor> tensors)
            implements Layer {
    }

    public LayerAssembly {
        layers = List.copyOf(layers);
        int n = source.config().numLayers();
        if (layers.isEmpty()) {
            throw new StrataException("a model needs at least one decoder layer");
        }
        LlamaConfig config = source.config().withNumLayers(layers.size());
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof Kept k && (k.index() < 0 || k.index() >= k.from().config().numLayers())) {
                throw new StrataException("layer " + k.index() + " does not exist (the model has layers 0.."
                        + (k.from().config().numLayers() - 1) + ")");
            }
            if (layers.get(i) instanceof Made m) {
                m.weights().requireShapes(config, "layer " + i);
            }
        }
    }

    /** The source's layers {@code kept}, in that order. */
    public static LayerAssembly keeping(ModelWeights source, List<Integer> kept) {
        return new LayerAssembly(source, kept.stream().<Layer>map(i -> new Kept(source, i)).toList());
    }

    @Override
    public LlamaConfig config() {
        return source.config().withNumLayers(layers.size());
    }

    @Override
    public Map<String, byte[]> assets() {
        return source.assets();
    }

    @Override
    public List<String> names() {
        return List.copyOf(LlamaLayout.expectedShapes(config()).keySet());
    }

    @Override
    public TensorStream stream(String name) {
        Slot slot = slot(name);
        if (slot == null) {
            return source.stream(name);
        }
        if (slot.layer() instanceof Computed c) {
            // the type and shape now, the values when the writer first asks, dropped once written (a writer holds
            // every stream until the end): one computed tensor held at a time
            TensorStream like = c.like().stream(slot.kind().name(c.index()));
            TensorStream[] values = {null};
            long[] left = {like.elementCount()};
            return new TensorStream(name, like.dtype(), like.shape(), dst -> {
                if (left[0] == 0) {
                    return;
                }
                if (values[0] == null) {
                    Tensor t = c.tensors().apply(slot.kind());
                    if (!java.util.Arrays.equals(t.shape(), like.shape())) {
                        throw new StrataException(name + ": computed as " + java.util.Arrays.toString(t.shape())
                                + ", expected " + java.util.Arrays.toString(like.shape()));
                    }
                    values[0] = TensorStream.of(t.as(name, like.dtype()));
                }
                int before = dst.position();
                values[0].next(dst);
                left[0] -= dst.position() - before;
                if (left[0] == 0) {
                    values[0] = null;
                }
            });
        }
        TensorStream t = slot.layer() instanceof Kept k ? k.from().stream(slot.kind().name(k.index()))
                : TensorStream.of(made(slot.layer(), slot.kind()));
        return new TensorStream(name, t.dtype(), t.shape(), t.values());
    }

    @Override
    public Tensor load(String name) {
        Slot slot = slot(name);
        if (slot == null) {
            return source.load(name);
        }
        Tensor t = slot.layer() instanceof Kept k ? k.from().load(slot.kind().name(k.index()))
                : made(slot.layer(), slot.kind());
        return t.as(name, t.dtype());
    }

    /** Where a layer tensor's name points: which of the layers, which of its tensors. */
    private record Slot(Layer layer, LayerTensor kind) {
    }

    /** The slot of a layer tensor's name, or null for the embeddings, final norm and head (the source's). */
    private Slot slot(String name) {
        for (int i = 0; i < layers.size(); i++) {
            for (LayerTensor kind : LayerTensor.values()) {
                if (kind.name(i).equals(name)) {
                    return new Slot(layers.get(i), kind);
                }
            }
        }
        return null;
    }

    /** A made or computed layer's tensor of one kind. */
    private static Tensor made(Layer layer, LayerTensor kind) {
        return layer instanceof Made m ? m.weights().get(kind) : ((Computed) layer).tensors().apply(kind);
    }
}
