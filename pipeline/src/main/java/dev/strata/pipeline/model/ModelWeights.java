package dev.strata.pipeline.model;

import java.util.List;
import java.util.Map;

/**
 * A model's config, side files and tensors wherever the tensors are: loaded ({@link Checkpoint}), in their files
 * ({@link StoredWeights}), or another model's tensors under new names (a layer selection). What a model folder is
 * written from, one tensor streamed at a time, so that a model larger than memory is written without being loaded.
 */
public interface ModelWeights {
    LlamaConfig config();

    /** The side files (tokenizer, generation config) by file name. */
    Map<String, byte[]> assets();

    /** The tensors' names, in the layout's order. */
    List<String> names();

    /** A tensor as a stream of its values in its storage type (read once). */
    TensorStream stream(String name);

    /** A tensor loaded whole (widened to F32). */
    Tensor load(String name);

    /** Every tensor as a stream, in the layout's order. */
    default List<TensorStream> streams() {
        return names().stream().map(this::stream).toList();
    }
}
