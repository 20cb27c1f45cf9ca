package dev.strata.pipeline.surgery;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.Tensor;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/** The nine weight tensors of one decoder layer, by kind, with the shapes the config implies. */
public record LayerWeights(Map<LayerTensor, Tensor> tensors) {

    public LayerWeights {
        tensors = java.util.Collections.unmodifiableMap(new EnumMap<>(tensors));
    }

    /** Layer {@code layer} of a model, loaded (its nine tensors only, whatever the model's size). */
    public static LayerWeights of(ModelWeights model, int layer) {
        int layers = model.config().numLayers();
        if (layer < 0 || layer >= layers) {
            throw new StrataException("layer " + layer + " does not exist (the model has layers 0.." + (layers - 1) + ")");
        }
        Map<LayerTensor, Tensor> out = new EnumMap<>(LayerTensor.class);
        for (LayerTensor t : LayerTensor.of(model.config())) {
            out.put(t, model.load(t.name(layer)));
        }
        return new LayerWeights(out);
    }

    public Tensor get(LayerTensor kind) {
        return tensors.get(kind);
    }

    /** Refuses weights whose tensors are missing or not of the shapes {@code config} implies; names {@code what}. */
    public void requireShapes(LlamaConfig config, String what) {
        for (LayerTensor t : tensors.keySet()) {
            if (!LayerTensor.of(config).contains(t)) {
                throw new StrataException(what + ": tensor " + t.name(0).replace("model.layers.0.", "")
                        + " is not part of a layer of " + config.source());
            }
        }
        for (LayerTensor t : LayerTensor.of(config)) {
            Tensor tensor = tensors.get(t);
            if (tensor == null) {
                throw new StrataException(what + ": no tensor " + t.name(0).replace("model.layers.0.", ""));
            }
            if (!Arrays.equals(tensor.shape(), t.shape(config))) {
                throw new StrataException(what + ": tensor " + tensor.name() + " has shape " + Arrays.toString(tensor.shape())
                        + " but " + config.source() + " implies " + Arrays.toString(t.shape(config)));
            }
        }
    }
}
