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
 * A model made of another's layers and new ones, renumbered from 0: each layer is one of the source's, kept, or
 * weights a method made (a merged pair, a replacement block); the embeddings, final norm, head and side files are the
 * source's. A view: nothing of the source is read until it is written, so a model in its files is pruned or merged by
 * streaming it into the new folder, never loading it whole.
 */
public record LayerAssembly(ModelWeights source, List<Layer> layers) implements ModelWeights {

    /** One layer of the assembly. */
    public sealed interface Layer {
    }

    /** The source's layer {@code index}, unchanged. */
    public record Kept(int index) implements Layer {
    }

    /** Weights a method made. */
    public record Made(LayerWeights weights) implements Layer {
    }

    public LayerAssembly {
        layers = List.copyOf(layers);
        int n = source.config().numLayers();
        if (layers.isEmpty()) {
            throw new StrataException("a model needs at least one decoder layer");
        }
        LlamaConfig config = source.config().withNumLayers(layers.size());
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof Kept k && (k.index() < 0 || k.index() >= n)) {
                throw new StrataException("layer " + k.index() + " does not exist (the model has layers 0.." + (n - 1)
                        + ")");
            }
            if (layers.get(i) instanceof Made m) {
                m.weights().requireShapes(config, "layer " + i);
            }
        }
    }

    /** The source's layers {@code kept}, in that order. */
    public static LayerAssembly keeping(ModelWeights source, List<Integer> kept) {
        return new LayerAssembly(source, kept.stream().<Layer>map(Kept::new).toList());
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
        for (int i = 0; i < layers.size(); i++) {
            for (LayerTensor kind : LayerTensor.values()) {
                if (kind.name(i).equals(name)) {
                    TensorStream t = layers.get(i) instanceof Kept k ? source.stream(kind.name(k.index()))
                            : TensorStream.of(((Made) layers.get(i)).weights().get(kind));
                    return new TensorStream(name, t.dtype(), t.shape(), t.values());
                }
            }
        }
        return source.stream(name);
    }

    @Override
    public Tensor load(String name) {
        for (int i = 0; i < layers.size(); i++) {
            for (LayerTensor kind : LayerTensor.values()) {
                if (kind.name(i).equals(name)) {
                    Tensor t = layers.get(i) instanceof Kept k ? source.load(kind.name(k.index()))
                            : ((Made) layers.get(i)).weights().get(kind);
                    return t.as(name, t.dtype());
                }
            }
        }
        return source.load(name);
    }
}
