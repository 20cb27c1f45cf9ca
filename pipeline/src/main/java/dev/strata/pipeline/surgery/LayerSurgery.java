package dev.strata.pipeline.surgery;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * Whole-layer operations on a model: the result is again a standard Llama model (same embeddings, final norm, head and
 * side files; layers renumbered from 0; config.json's num_hidden_layers updated). Tensors are shared with the input,
 * not copied.
 */
public final class LayerSurgery {
    private LayerSurgery() {
    }

    /** The decoder layers of a checkpoint, in order. */
    public static List<LayerWeights> layers(Checkpoint checkpoint) {
        return IntStream.range(0, checkpoint.config().numLayers()).mapToObj(l -> LayerWeights.of(checkpoint, l)).toList();
    }

    /** The checkpoint with other decoder layers (each of the config's shapes). */
    public static Checkpoint withLayers(Checkpoint checkpoint, List<LayerWeights> layers) {
        if (layers.isEmpty()) {
            throw new StrataException("a model needs at least one decoder layer");
        }
        LlamaConfig config = checkpoint.config().withNumLayers(layers.size());
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(LlamaLayout.EMBED, checkpoint.tensor(LlamaLayout.EMBED));
        for (int l = 0; l < layers.size(); l++) {
            layers.get(l).requireShapes(config, "layer " + l);
            for (LayerTensor t : LayerTensor.of(config)) {
                Tensor tensor = layers.get(l).get(t);
                tensors.put(t.name(l), tensor.as(t.name(l), tensor.dtype()));
            }
        }
        tensors.put(LlamaLayout.FINAL_NORM, checkpoint.tensor(LlamaLayout.FINAL_NORM));
        if (!config.tieWordEmbeddings()) {
            tensors.put(LlamaLayout.LM_HEAD, checkpoint.tensor(LlamaLayout.LM_HEAD));
        }
        return new Checkpoint(config, tensors, checkpoint.assets());
    }

    /** The model with layers {@code a} and {@code a + 1} replaced by {@code merged} (a view, as {@link #remove}). */
    public static ModelWeights replacePair(ModelWeights model, int a, LayerWeights merged) {
        int n = model.config().numLayers();
        if (a < 0 || a + 1 >= n) {
            throw new StrataException("no adjacent pair (" + a + ", " + (a + 1) + ") in a model with layers 0.." + (n - 1));
        }
        List<LayerAssembly.Layer> layers = kept(model, n);
        layers.set(a, new LayerAssembly.Made(merged));
        layers.remove(a + 1);
        return new LayerAssembly(model, layers);
    }

    /**
     * The model without the given layers: a view of its other layers, renumbered, that reads nothing until it is
     * written (a model in its files is pruned by streaming it into the new folder).
     */
    public static ModelWeights remove(ModelWeights model, java.util.Collection<Integer> drop) {
        int n = model.config().numLayers();
        SortedSet<Integer> set = new TreeSet<>(drop);
        for (int l : set) {
            if (l < 0 || l >= n) {
                throw new StrataException("layer " + l + " does not exist (the model has layers 0.." + (n - 1) + ")");
            }
        }
        if (set.size() >= n) {
            throw new StrataException("cannot remove " + set.size() + " of " + n + " layers: at least one must stay");
        }
        return LayerAssembly.keeping(model, IntStream.range(0, n).filter(l -> !set.contains(l)).boxed().toList());
    }

    /**
     * The model with the {@code length} layers from {@code start} replaced by {@code replacement}, or only removed when
     * it is null (a view, as {@link #remove}).
     */
    public static ModelWeights replaceBlock(ModelWeights model, int start, int length, LayerWeights replacement) {
        int n = model.config().numLayers();
        if (start < 0 || length < 1 || start + length > n) {
            throw new StrataException("no block of " + length + " layer(s) from " + start + " in a model with layers 0.."
                    + (n - 1));
        }
        List<LayerAssembly.Layer> layers = kept(model, n);
        layers.subList(start, start + length).clear();
        if (replacement != null) {
            layers.add(start, new LayerAssembly.Made(replacement));
        }
        return new LayerAssembly(model, layers);
    }

    private static List<LayerAssembly.Layer> kept(ModelWeights model, int n) {
        return new ArrayList<>(LayerAssembly.keeping(model, IntStream.range(0, n).boxed().toList()).layers());
    }
}
