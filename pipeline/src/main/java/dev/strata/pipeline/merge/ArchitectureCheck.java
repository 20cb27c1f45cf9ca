package dev.strata.pipeline.merge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.LlamaConfig;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Whether two models can be merged element by element: the same config (but for how the weights are stored, and
 * the layer count when layers are sliced), the same tensors with the same shapes, and the same vocabulary.
 */
public final class ArchitectureCheck {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Keys about storage or provenance, not the architecture. */
    private static final Set<String> IGNORED = Set.of("torch_dtype", "dtype", "_name_or_path", "transformers_version");
    private static final String LAYERS = "num_hidden_layers";

    private ArchitectureCheck() {
    }

    /**
     * The first difference of {@code other} from {@code base}, as a phrase about other ("config key 'x' is 1, not 2"),
     * or null. Models read from folders hold exactly the tensors their configs imply, so equal configs mean equal
     * tensor names and shapes.
     */
    static String difference(ModelWeights base, ModelWeights other, boolean sameLayerCount) {
        String config = configDifference(json(base.config().toJson()), json(other.config().toJson()), sameLayerCount);
        if (config != null) {
            return config;
        }
        return vocabularyDifference(base.assets().get("tokenizer.json"), other.assets().get("tokenizer.json"));
    }

    /** The first difference of {@code other}'s config from {@code base}'s (storage aside), as a phrase, or null. */
    public static String configDifference(LlamaConfig base, LlamaConfig other, boolean sameLayerCount) {
        return configDifference(json(base.toJson()), json(other.toJson()), sameLayerCount);
    }

    /** The first difference of {@code other}'s tokenizer.json vocabulary from {@code base}'s, as a phrase, or null. */
    public static String vocabularyDifference(Map<String, byte[]> baseAssets, Map<String, byte[]> otherAssets) {
        return vocabularyDifference(baseAssets.get("tokenizer.json"), otherAssets.get("tokenizer.json"));
    }

    private static String configDifference(JsonNode base, JsonNode other, boolean sameLayerCount) {
        for (Iterator<String> it = base.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (IGNORED.contains(key) || (!sameLayerCount && key.equals(LAYERS))) {
                continue;
            }
            JsonNode mine = other.get(key);
            if (mine == null) {
                return "lacks config key '" + key + "'";
            }
            if (!mine.equals(base.get(key))) {
                return "config key '" + key + "' is " + mine + ", not " + base.get(key);
            }
        }
        for (Iterator<String> it = other.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!IGNORED.contains(key) && !base.has(key)) {
                return "has an extra config key '" + key + "'";
            }
        }
        return null;
    }

    /** Token ids must mean the same tokens; a model without tokenizer.json is taken at the base's word. */
    private static String vocabularyDifference(byte[] base, byte[] other) {
        if (base == null || other == null) {
            return null;
        }
        JsonNode a = json(new String(base, StandardCharsets.UTF_8)).path("model").path("vocab");
        JsonNode b = json(new String(other, StandardCharsets.UTF_8)).path("model").path("vocab");
        if (a.equals(b)) {
            return null;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().equals(b.get(e.getKey()))) {
                return "tokenizer.json gives token '" + e.getKey() + "' the id " + b.get(e.getKey()) + ", not "
                        + e.getValue();
            }
        }
        return "tokenizer.json has " + b.size() + " tokens, not " + a.size();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException ex) {
            return JSON.createObjectNode(); // ModelFolder.read has already parsed both; cannot happen
        }
    }
}
