package dev.strata.pipeline.compress;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.LlamaConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * What a progressive merge did: for every layer of the current model, the original layers and channels it holds
 * ({@link LayerOrigin}), and the steps that got there. Written as merge_plan.json; distillation reads it to know
 * which teacher layers each student layer must reproduce.
 */
public record MergePlan(int originalLayers, List<LayerOrigin> layers, List<MergeStep> steps) {
    public static final String FILE = "merge_plan.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public MergePlan {
        layers = List.copyOf(layers);
        steps = List.copyOf(steps);
    }

    /** The plan of an untouched model: every layer is its own original. */
    public static MergePlan identity(LlamaConfig config) {
        return new MergePlan(config.numLayers(), IntStream.range(0, config.numLayers())
                .mapToObj(l -> LayerOrigin.original(l, config.numKvHeads(), config.intermediateSize())).toList(), List.of());
    }

    /** The plan after {@code step}, whose merged layer has origin {@code merged}. */
    public MergePlan after(MergeStep step, LayerOrigin merged) {
        List<LayerOrigin> next = new ArrayList<>(layers);
        next.set(step.pair(), merged);
        next.remove(step.pair() + 1);
        List<MergeStep> all = new ArrayList<>(steps);
        all.add(step);
        return new MergePlan(originalLayers, next, all);
    }

    /** The teacher layers student layer {@code layer} stands for: [first, end) of the original model. */
    public int[] group(int layer) {
        List<Integer> originals = layers.get(layer).originalLayers();
        return new int[] {originals.get(0), originals.get(originals.size() - 1) + 1};
    }

    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("original_layers", originalLayers);
        ArrayNode layerArray = root.putArray("layers");
        for (int l = 0; l < layers.size(); l++) {
            ObjectNode entry = layerArray.addObject();
            entry.put("layer", l);
            ArrayNode originals = entry.putArray("original_layers");
            layers.get(l).originalLayers().forEach(originals::add);
            ArrayNode sources = entry.putArray("sources");
            for (LayerOrigin.Source s : layers.get(l).sources()) {
                ObjectNode source = sources.addObject();
                source.put("original_layer", s.originalLayer());
                ints(source.putArray("kv_groups"), s.kvGroups());
                ints(source.putArray("mlp_neurons"), s.mlpNeurons());
            }
        }
        ArrayNode stepArray = root.putArray("steps");
        for (MergeStep s : steps) {
            ObjectNode entry = stepArray.addObject();
            entry.put("step", s.step());
            entry.put("pair", s.pair());
            s.originalA().forEach(entry.putArray("original_a")::add);
            s.originalB().forEach(entry.putArray("original_b")::add);
            entry.put("pair_metric", s.pairMetric());
            entry.put("pair_score", s.pairScore());
            entry.put("block_influence_a", s.blockInfluenceA());
            entry.put("block_influence_b", s.blockInfluenceB());
            entry.put("ratio_a", s.ratioA());
            entry.put("kv_groups_a", s.kvGroupsA());
            entry.put("kv_groups_b", s.kvGroupsB());
            entry.put("mlp_neurons_a", s.mlpNeuronsA());
            entry.put("mlp_neurons_b", s.mlpNeuronsB());
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
    public static MergePlan parse(String text, String source) {
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
                sources.add(new LayerOrigin.Source(layer, intArray(s, "kv_groups", source), intArray(s, "mlp_neurons", source)));
            }
            if (sources.isEmpty()) {
                throw new StrataException(source + ": layer " + layers.size() + " has no sources");
            }
            layers.add(new LayerOrigin(sources));
        }
        List<MergeStep> steps = new ArrayList<>();
        for (JsonNode s : array(root, "steps", source)) {
            steps.add(new MergeStep(field(s, "step", source).asInt(), field(s, "pair", source).asInt(),
                    intList(s, "original_a", source), intList(s, "original_b", source),
                    field(s, "pair_metric", source).asText(), field(s, "pair_score", source).asDouble(),
                    field(s, "block_influence_a", source).asDouble(), field(s, "block_influence_b", source).asDouble(),
                    field(s, "ratio_a", source).asDouble(), field(s, "kv_groups_a", source).asInt(),
                    field(s, "kv_groups_b", source).asInt(), field(s, "mlp_neurons_a", source).asInt(),
                    field(s, "mlp_neurons_b", source).asInt()));
        }
        return new MergePlan(original, layers, steps);
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

    private static List<Integer> intList(JsonNode node, String name, String source) {
        return java.util.Arrays.stream(intArray(node, name, source)).boxed().toList();
    }
}
