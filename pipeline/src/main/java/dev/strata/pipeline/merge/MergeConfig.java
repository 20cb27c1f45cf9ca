package dev.strata.pipeline.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.settings.YamlSection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A mergekit-style merge config: {@code merge_method}, {@code base_model}, either {@code models} (whole models
 * merged tensor by tensor) or {@code slices} (layer ranges, merged across each slice's sources), the operator's
 * {@code parameters}, and an optional {@code dtype}. Paths are relative to the config's folder; every key is
 * checked here, before any model is read.
 *
 * @param base the base model, null when none is given
 * @param models the models merged (no slices), else empty
 * @param slices the layer slices, in output order, else empty
 * @param dtype the output's storage type, null for the base's
 */
public record MergeConfig(Path file, MergeOperator operator, Source base, Settings parameters, List<Source> models,
        List<Slice> slices, DType dtype) {

    /**
     * One model as the config names it.
     *
     * @param key its full key in the config ("models[1]"), for messages
     * @param written its path as written
     * @param layers the layer range [from, to) of a slice source, else null
     */
    public record Source(String key, String written, Path path, int[] layers, Settings parameters) {
        /** Layers in the range (0 without one). */
        public int length() {
            return layers == null ? 0 : layers[1] - layers[0];
        }
    }

    /** The sources of one slice; with a base-needing operator, {@link #base} is the one that is the base model. */
    public record Slice(String key, Source base, List<Source> models) {
    }

    public static MergeConfig read(Path file) {
        YamlSection root = YamlSection.read(file);
        Path folder = file.toAbsolutePath().getParent();
        String method = root.string("merge_method", null);
        MergeOperator op;
        try {
            op = MergeOperators.get(method, "'" + root.fullKey("merge_method") + "'");
        } catch (StrataException ex) {
            throw root.error(ex.getMessage());
        }
        String baseText = root.string("base_model", "");
        Source base = baseText.isEmpty() ? null
                : new Source("base_model", baseText, folder.resolve(baseText).normalize(), null, null);
        if (base == null && op.needsBase()) {
            throw root.error("missing key 'base_model' (merge_method " + op.name() + " adds the models' differences "
                    + "from a base model)");
        }
        Settings parameters = Settings.fromYaml(op.params(), root.section("parameters"));
        JsonNode modelList = root.value("models");
        JsonNode sliceList = root.value("slices");
        if ((modelList == null) == (sliceList == null)) {
            throw root.error("give either 'models' (whole models) or 'slices' (layer ranges), not "
                    + (modelList == null ? "neither" : "both"));
        }
        List<Source> models = new ArrayList<>();
        List<Slice> slices = new ArrayList<>();
        if (modelList != null) {
            for (JsonNode element : list(root, "models", modelList)) {
                models.add(source(root, element, "models[" + models.size() + "]", folder, op, false));
            }
            String problem = op.countProblem(models.size());
            if (problem != null) {
                throw root.invalid("models", "lists " + models.size() + " model(s); " + op.name() + " " + problem);
            }
        } else {
            for (JsonNode element : list(root, "slices", sliceList)) {
                slices.add(slice(root, element, "slices[" + slices.size() + "]", folder, op, base));
            }
        }
        String dtypeText = root.string("dtype", "");
        DType dtype = dtypeText.isEmpty() ? null : DType.fromTorchName(dtypeText, file + ": 'dtype'");
        root.finish();
        return new MergeConfig(file, op, base, parameters, models, slices, dtype);
    }

    private static JsonNode list(YamlSection root, String key, JsonNode v) {
        if (!v.isArray() || v.isEmpty()) {
            throw root.wrongType(key, "a non-empty list", v);
        }
        return v;
    }

    private static Source source(YamlSection root, JsonNode element, String key, Path folder, MergeOperator op,
            boolean inSlice) {
        if (element.isTextual() && !inSlice) { // "models: [a, b]" is short for [{model: a}, {model: b}]
            element = JsonNodeFactory.instance.objectNode()
                    .put("model", element.asText());
        }
        YamlSection s = root.nested(element, key);
        String written = s.string("model", null);
        int[] layers = null;
        if (inSlice) {
            JsonNode range = s.value("layer_range");
            if (range == null || !range.isArray() || range.size() != 2 || !range.get(0).canConvertToInt()
                    || !range.get(1).canConvertToInt() || !range.get(0).isIntegralNumber()
                    || !range.get(1).isIntegralNumber()) {
                throw range == null ? s.error("missing key '" + s.fullKey("layer_range") + "'")
                        : s.wrongType("layer_range", "two layer indices [from, to)", range);
            }
            layers = new int[] {range.get(0).asInt(), range.get(1).asInt()};
            if (layers[0] < 0 || layers[1] <= layers[0]) {
                throw s.invalid("layer_range", "must be [from, to) with 0 <= from < to, got " + range);
            }
        }
        Settings parameters = Settings.fromYaml(op.modelParams(), s.section("parameters"));
        s.finish();
        return new Source(key, written, folder.resolve(written).normalize(), layers, parameters);
    }

    private static Slice slice(YamlSection root, JsonNode element, String key, Path folder, MergeOperator op,
            Source base) {
        YamlSection s = root.nested(element, key);
        JsonNode list = s.value("sources");
        if (list == null) {
            throw s.error("missing key '" + s.fullKey("sources") + "'");
        }
        List<Source> sources = new ArrayList<>();
        for (JsonNode e : list(s, "sources", list)) {
            sources.add(source(root, e, key + ".sources[" + sources.size() + "]", folder, op, true));
        }
        s.finish();
        for (Source src : sources) {
            if (src.length() != sources.get(0).length()) {
                throw s.invalid("sources", "have layer ranges of different lengths (" + sources.get(0).length()
                        + " and " + src.length() + "); a slice merges layer for layer");
            }
        }
        Source sliceBase = null;
        List<Source> models = sources;
        if (op.needsBase()) {
            sliceBase = sources.stream().filter(src -> src.path().equals(base.path())).findFirst()
                    .orElseThrow(() -> s.invalid("sources", "must include base_model " + base.written() + " (the base of "
                            + op.name() + " for these layers)"));
            Source chosen = sliceBase;
            models = sources.stream().filter(src -> src != chosen).toList();
        }
        String problem = op.countProblem(models.size());
        if (problem != null) {
            throw s.invalid("sources", "lists " + models.size() + " model(s); " + op.name() + " " + problem);
        }
        return new Slice(key, sliceBase, models);
    }

    /** Every distinct model folder the config reads, base first. */
    public List<Path> folders() {
        List<Path> out = new ArrayList<>();
        if (base != null) {
            out.add(base.path());
        }
        models.forEach(m -> out.add(m.path()));
        slices.forEach(sl -> sl.models().forEach(m -> out.add(m.path())));
        return out.stream().distinct().toList();
    }

    /** The model whose config, tokenizer and (with slices) embeddings and head the output takes: the base, else the first. */
    public Source reference() {
        if (base != null) {
            return base;
        }
        return models.isEmpty() ? slices.get(0).models().get(0) : models.get(0);
    }
}
