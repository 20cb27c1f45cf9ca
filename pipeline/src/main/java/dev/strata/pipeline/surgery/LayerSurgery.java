package dev.strata.pipeline.surgery;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.ModelWeights;
import java.util.ArrayList;
import java.util.List;
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
