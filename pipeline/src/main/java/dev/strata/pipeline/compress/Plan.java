package dev.strata.pipeline.compress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.util.Choices;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * What compression did to a model, in one format for every method: for every layer of the current model, where it
 * comes from ({@link LayerOrigin}: kind, original layers, kept channels, coefficients), and the steps that got there
 * (each a method and its parameters). Written as plan.json beside the weights of every model a run writes;
 * distillation reads it to know which teacher layers each student layer stands for, and the report to count the
 * parameters that compute.
 */
public record Plan(int originalLayers, List<LayerOrigin> layers, List<PlanStep> steps) {
    public static final String FILE = "plan.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Plan {
        layers = List.copyOf(layers);
        steps = List.copyOf(steps);
    }

    /**
     * One step of a compression.
     *
     * @param step 1 for the first
     * @param method the registered method's name
     * @param parameters what the method chose and measured (layers, scores, ratios ...)
     */
    public record PlanStep(int step, String method, ObjectNode parameters) {
    }

    /** The plan of an untouched model: every layer is its own original. */
    public static Plan identity(LlamaConfig config) {
        return new Plan(config.numLayers(), IntStream.range(0, config.numLayers())
                .mapToObj(l -> LayerOrigin.original(l, config.numKvHeads(), config.intermediateSize())).toList(), List.of());
    }

    /** The next step's number. */
    public int nextStep() {
        return steps.size() + 1;
    }

    /** The plan after layers {@code first} .. {@code first + count - 1} became {@code replacement} (none: removed). */
    public Plan replace(int first, int count, LayerOrigin replacement, String method, ObjectNode parameters) {
        if (first < 0 || count < 1 || first + count > layers.size()) {
            throw new IllegalArgumentException("no layers " + first + ".." + (first + count - 1) + " in a plan of "
                    + layers.size());
        }
        List<LayerOrigin> next = new ArrayList<>(layers);
        next.subList(first, first + count).clear();
        if (replacement != null) {
            next.add(first, replacement);
        }
        return new Plan(originalLayers, next, withStep(method, parameters));
    }

    /** The plan after the layers {@code removed} (indices of this plan's layers) were removed. */
    public Plan remove(Collection<Integer> removed, String method, ObjectNode parameters) {
        TreeSet<Integer> drop = new TreeSet<>(removed);
        List<LayerOrigin> next = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
            if (!drop.contains(l)) {
                next.add(layers.get(l));
            }
        }
        return new Plan(originalLayers, next, withStep(method, parameters));
    }

    /** The same layers, with a step that changed weights but not origins (e.g. training). */
    public Plan with(String method, ObjectNode parameters) {
        return new Plan(originalLayers, layers, withStep(method, parameters));
    }

    private List<PlanStep> withStep(String method, ObjectNode parameters) {
        List<PlanStep> all = new ArrayList<>(steps);
        all.add(new PlanStep(nextStep(), method, parameters));
        return all;
    }

    /**
     * The teacher layers layer {@code layer} stands for: [first, end) of the original model, from its first original
     * layer up to the next layer's first (the end of the model for the last). Layers removed without a replacement
     * count with the layer before them, so the groups cover the original model from the first layer kept on,
     * without gaps.
     */
    public int[] group(int layer) {
        int end = layer + 1 < layers.size() ? layers.get(layer + 1).originalLayers().get(0) : originalLayers;
        return new int[] {layers.get(layer).originalLayers().get(0), end};
    }

    /**
     * The parameters that compute in the model this plan describes, {@code original} being the config of the model it
     * started from: a feed-forward replacement's zero attention weights are stored (so the folder loads as a standard
     * Llama) but not counted.
     */
    public long parameters(LlamaConfig original) {
        long oneLayer = original.withNumLayers(1).parameterCount();
        long layer = original.withNumLayers(2).parameterCount() - oneLayer;
        long d = original.hiddenSize();
        long total = oneLayer - layer;
        for (LayerOrigin l : layers) {
            total += l.kind() == LayerOrigin.Kind.REPLACEMENT_FFN ? 3 * d * original.intermediateSize() + d : layer;
        }
        return total;
    }

    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("original_layers", originalLayers);
        ArrayNode layerArray = root.putArray("layers");
        for (int l = 0; l < layers.size(); l++) {
            ObjectNode entry = layerArray.addObject();
            entry.put("layer", l);
            entry.put("kind", layers.get(l).kind().id());
            ArrayNode originals = entry.putArray("original_layers");
            layers.get(l).originalLayers().forEach(originals::add);
            ArrayNode sources = entry.putArray("sources");
            for (LayerOrigin.Source s : layers.get(l).sources()) {
                ObjectNode source = sources.addObject();
                source.put("original_layer", s.originalLayer());
                ints(source.putArray("kv_groups"), s.kvGroups());
                ints(source.putArray("mlp_neurons"), s.mlpNeurons());
                if (s.coefficient() != null) {
                    source.put("coefficient", s.coefficient());
                }
                if (s.variant() != null) {
                    source.put("variant", s.variant());
                }
            }
        }
        ArrayNode stepArray = root.putArray("steps");
        for (PlanStep s : steps) {
            ObjectNode entry = stepArray.addObject();
            entry.put("step", s.step());
            entry.put("method", s.method());
            entry.set("parameters", s.parameters());
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static void ints(ArrayNode array, int[] values) {
        for (int v : values) {
            array.add(v);
        }
    }

    /** Reads a plan written by {@link #toJson}; {@code source} names the file in errors. */
    public static Plan parse(String text, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new StrataException(source + ": not valid JSON: " + ex.getOriginalMessage());
        }
        int original = field(root, "original_layers", source).asInt();
        List<LayerOrigin> layers = new ArrayList<>();
        for (JsonNode entry : array(root, "layers", source)) {
            List<LayerOrigin.Source> sources = new ArrayList<>();
            for (JsonNode s : array(entry, "sources", source)) {
                int layer = field(s, "original_layer", source).asInt();
                if (layer < 0 || layer >= original) {
                    throw new StrataException(source + ": original_layer " + layer + " is outside 0.." + (original - 1));
                }
                JsonNode c = s.get("coefficient");
                JsonNode v = s.get("variant");
                if (v != null && !v.isNull() && !(v.canConvertToInt() && v.asInt() >= 0)) {
                    throw new StrataException(source + ": field 'variant' must be an index (0 or more), got " + v);
                }
                sources.add(new LayerOrigin.Source(layer, intArray(s, "kv_groups", source),
                        intArray(s, "mlp_neurons", source), c == null || c.isNull() ? null : c.asDouble(),
                        v == null || v.isNull() ? null : v.asInt()));
            }
            if (sources.isEmpty()) {
                throw new StrataException(source + ": layer " + layers.size() + " has no sources");
            }
            LayerOrigin.Kind kind;
            try {
                kind = Choices.parse(LayerOrigin.Kind.values(), field(entry, "kind", source).asText(), "kind");
            } catch (StrataException ex) {
                throw new StrataException(source + ": layer " + layers.size() + ": " + ex.getMessage());
            }
            layers.add(new LayerOrigin(kind, sources));
        }
        List<PlanStep> steps = new ArrayList<>();
        for (JsonNode s : array(root, "steps", source)) {
            JsonNode parameters = field(s, "parameters", source);
            if (!parameters.isObject()) {
                throw new StrataException(source + ": field 'parameters' must be an object");
            }
            steps.add(new PlanStep(field(s, "step", source).asInt(), field(s, "method", source).asText(),
                    (ObjectNode) parameters));
        }
        return new Plan(original, layers, steps);
    }

    private static JsonNode field(JsonNode node, String name, String source) {
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            throw new StrataException(source + ": missing field '" + name + "'");
        }
        return v;
    }

    private static JsonNode array(JsonNode node, String name, String source) {
        JsonNode v = field(node, name, source);
        if (!v.isArray()) {
            throw new StrataException(source + ": field '" + name + "' must be an array");
        }
        return v;
    }

    private static int[] intArray(JsonNode node, String name, String source) {
        JsonNode v = array(node, name, source);
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).canConvertToInt()) {
                throw new StrataException(source + ": field '" + name + "' must hold integers");
            }
            out[i] = v.get(i).asInt();
        }
        return out;
    }
}
