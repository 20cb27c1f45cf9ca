package dev.strata.pipeline.model;

import dev.strata.pipeline.StrataException;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Llama model as files hold it: the config, every weight tensor by its Hugging Face name (in canonical
 * order), and the side files that travel with the weights (tokenizer and generation config) as bytes.
 */
public record Checkpoint(LlamaConfig config, Map<String, Tensor> tensors, Map<String, byte[]> assets)
        implements ModelWeights {

    /** Side files copied along with a model folder, when present. */
    public static final List<String> ASSET_FILES = List.of(
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
            "generation_config.json");

    public Checkpoint {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        assets = Collections.unmodifiableMap(new LinkedHashMap<>(assets));
        validateAgainst(config, shapesOf(tensors), Map.of(), "checkpoint");
    }

    /** The tensor of that name. */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new StrataException("checkpoint: no tensor '" + name + "'");
        }
        return t;
    }

    @Override
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    @Override
    public Tensor load(String name) {
        return tensor(name);
    }

    /** A model's weights loaded: every tensor in memory (a checkpoint is returned as it is). */
    public static Checkpoint of(ModelWeights model) {
        if (model instanceof Checkpoint c) {
            return c;
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : model.names()) {
            tensors.put(name, model.load(name));
        }
        return new Checkpoint(model.config(), tensors, model.assets());
    }

    @Override
    public TensorStream stream(String name) {
        return TensorStream.of(tensor(name));
    }

    /** Total bytes of the weights in their storage types. */
    public long storedBytes() {
        return tensors.values().stream().mapToLong(Tensor::storedBytes).sum();
    }

    private static Map<String, long[]> shapesOf(Map<String, Tensor> tensors) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach((name, t) -> shapes.put(name, t.shape()));
        return shapes;
    }

    /**
     * Checks that {@code actual} holds exactly the tensors {@code config} implies, with the implied shapes.
     *
     * @param origin the file each tensor came from, for error messages
     * @param where names the weights as a whole (the file or index), for tensors that are missing
     */
    public static void validateAgainst(LlamaConfig config, Map<String, long[]> actual, Map<String, String> origin,
            String where) {
        Map<String, long[]> expected = LlamaLayout.expectedShapes(config);
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            long[] shape = actual.get(e.getKey());
            if (shape == null) {
                throw new StrataException(where + ": missing tensor '" + e.getKey() + "' (" + config.source()
                        + " declares " + config.numLayers() + " layers"
                        + (config.tieWordEmbeddings() ? "" : " and an untied lm_head") + ")");
            }
            if (!Arrays.equals(shape, e.getValue())) {
                throw new StrataException(origin.getOrDefault(e.getKey(), where) + ": tensor '" + e.getKey() + "' has shape " + Arrays.toString(shape)
                        + " but " + config.source() + " implies " + Arrays.toString(e.getValue()));
            }
        }
        for (String name : actual.keySet()) {
            if (!expected.containsKey(name)) {
                throw new StrataException(origin.getOrDefault(name, where) + ": unexpected tensor '" + name + "' (not part of a Llama with "
                        + config.numLayers() + " layers" + (config.tieWordEmbeddings() ? " and tied embeddings" : "") + ")");
            }
        }
    }
}
