package dev.strata.pipeline.surgery;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.TensorStream;
import java.util.List;
import java.util.Map;

/**
 * Some of a model's decoder layers, in a new order and renumbered from 0: layer i is the source's layer
 * {@code from.get(i)}; the embeddings, final norm, head and side files are the source's. A view: nothing is read until
 * it is written, so pruning a model in its files streams it into the new folder, never loading it.
 */
public record LayerSelection(ModelWeights source, List<Integer> from) implements ModelWeights {
    public LayerSelection {
        from = List.copyOf(from);
        int n = source.config().numLayers();
        if (from.isEmpty()) {
            throw new StrataException("a model needs at least one decoder layer");
        }
        for (int l : from) {
            if (l < 0 || l >= n) {
                throw new StrataException("layer " + l + " does not exist (the model has layers 0.." + (n - 1) + ")");
            }
        }
    }

    @Override
    public LlamaConfig config() {
        return source.config().withNumLayers(from.size());
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
        for (int i = 0; i < from.size(); i++) {
            for (LayerTensor kind : LayerTensor.values()) {
                if (kind.name(i).equals(name)) {
                    TensorStream t = source.stream(kind.name(from.get(i)));
                    return new TensorStream(name, t.dtype(), t.shape(), t.values());
                }
            }
        }
        return source.stream(name);
    }
}
