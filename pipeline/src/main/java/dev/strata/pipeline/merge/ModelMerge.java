package dev.strata.pipeline.merge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.StoredWeights;
import dev.strata.pipeline.model.Tensor;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.util.AtomicDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link MergeConfig}: opens its models (headers only), checks they share the reference's architecture, and
 * writes a Hugging Face folder (the reference's config and tokenizer) with {@value #RECORD}, merging tensor by tensor
 * with the operator as each is written: one output tensor and its inputs are in memory at a time, whatever the
 * models' size.
 */
public final class ModelMerge {
    /** What was merged from what, beside the weights. */
    public static final String RECORD = "merge.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final MergeConfig config;
    private final Map<Path, StoredWeights> loaded = new LinkedHashMap<>();
    private final ObjectNode record = JSON.createObjectNode();

    private ModelMerge(MergeConfig config) {
        this.config = config;
    }

    /**
     * Merges as {@code config} says into {@code out} (absent or empty) and returns the model written (a plan: its
     * tensors are merged again when read from it).
     */
    public static ModelWeights run(MergeConfig config, Path out) {
        AtomicDirectory.requireAbsentOrEmpty(out.toAbsolutePath().normalize());
        return new ModelMerge(config).write(out);
    }

    private ModelWeights write(Path out) {
        for (Path folder : config.folders()) {
            loaded.put(folder, ModelFolder.open(folder));
        }
        MergeConfig.Source reference = config.reference();
        StoredWeights ref = loaded.get(reference.path());
        for (Map.Entry<Path, StoredWeights> e : loaded.entrySet()) {
            String problem = ArchitectureCheck.difference(ref, e.getValue(), config.slices().isEmpty());
            if (problem != null && !e.getKey().equals(reference.path())) {
                throw new StrataException(config.file() + ": model '" + written(e.getKey()) + "' cannot be merged with "
                        + (config.base() != null ? "the base '" : "the first model '") + reference.written() + "': "
                        + problem);
            }
        }
        DType dtype = config.dtype() != null ? config.dtype() : ref.config().dtype();
        record.put("merge_method", config.operator().name());
        record.put("config", config.file().toAbsolutePath().toString());
        record.put("base_model", config.base() == null ? null : config.base().path().toString());
        record.set("parameters", config.parameters().toJson());
        record.put("dtype", dtype.torchName());
        Map<String, MergedModel.Planned> tensors = config.slices().isEmpty() ? wholeModels(ref, dtype)
                : sliced(ref, dtype);
        int layers = config.slices().isEmpty() ? ref.config().numLayers()
                : config.slices().stream().mapToInt(s -> s.models().get(0).length()).sum();
        LlamaConfig outConfig = ref.config().withNumLayers(layers);
        if (config.dtype() != null) {
            outConfig = outConfig.withDtype(dtype);
        }
        record.put("num_hidden_layers", layers);
        MergedModel merged = new MergedModel(outConfig, ref.assets(), tensors);
        try {
            ModelFolder.write(merged, out, ModelFolder.DEFAULT_MAX_SHARD_BYTES,
                    Map.of(RECORD, JSON.writeValueAsString(record) + "\n"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
        return merged;
    }

    /** Every tensor merged across the models (the base's shapes and order). */
    private Map<String, MergedModel.Planned> wholeModels(StoredWeights ref, DType dtype) {
        ArrayNode models = record.putArray("models");
        for (MergeConfig.Source m : config.models()) {
            models.addObject().put("model", m.path().toString()).set("parameters", m.parameters().toJson());
        }
        List<Settings> perModel = config.models().stream().map(MergeConfig.Source::parameters).toList();
        Map<String, MergedModel.Planned> out = new LinkedHashMap<>();
        for (String name : ref.names()) {
            List<Inputs> sources = config.models().stream().map(m -> new Inputs(m.path(), name)).toList();
            Inputs base = config.operator().needsBase() ? new Inputs(config.base().path(), name) : null;
            out.put(name, planned(name, ref.entry(name).shape(), dtype, base, sources, perModel));
        }
        return out;
    }

    /**
     * The slices' layers in order, each merged across its slice's sources; embeddings, final norm and head are the
     * reference's.
     */
    private Map<String, MergedModel.Planned> sliced(StoredWeights ref, DType dtype) {
        Map<String, MergedModel.Planned> out = new LinkedHashMap<>();
        out.put(LlamaLayout.EMBED, copied(ref, LlamaLayout.EMBED, dtype));
        ArrayNode layers = record.putArray("layers");
        int at = 0;
        for (MergeConfig.Slice slice : config.slices()) {
            List<MergeConfig.Source> sources = new ArrayList<>(slice.models());
            if (slice.base() != null) {
                sources.add(slice.base());
            }
            for (MergeConfig.Source s : sources) {
                int available = loaded.get(s.path()).config().numLayers();
                if (s.layers()[1] > available) {
                    throw new StrataException(config.file() + ": '" + s.key() + ".layer_range' ["
                            + s.layers()[0] + ", " + s.layers()[1] + "] goes past the " + available
                            + " layers of model '" + s.written() + "'");
                }
            }
            List<Settings> perModel = slice.models().stream().map(MergeConfig.Source::parameters).toList();
            for (int k = 0; k < slice.models().get(0).length(); k++, at++) {
                ObjectNode layer = layers.addObject().put("layer", at);
                for (MergeConfig.Source s : slice.models()) {
                    layer.withArray("sources").addObject().put("model", s.path().toString()).put("layer", s.layers()[0] + k)
                            .set("parameters", s.parameters().toJson());
                }
                if (slice.base() != null) {
                    layer.putObject("base").put("model", slice.base().path().toString())
                            .put("layer", slice.base().layers()[0] + k);
                }
                int offset = k;
                for (LayerTensor t : LayerTensor.of(ref.config())) {
                    List<Inputs> values = slice.models().stream()
                            .map(s -> new Inputs(s.path(), t.name(s.layers()[0] + offset))).toList();
                    Inputs base = slice.base() == null ? null
                            : new Inputs(slice.base().path(), t.name(slice.base().layers()[0] + k));
                    out.put(t.name(at), planned(t.name(at), t.shape(ref.config()), dtype, base, values, perModel));
                }
            }
        }
        out.put(LlamaLayout.FINAL_NORM, copied(ref, LlamaLayout.FINAL_NORM, dtype));
        if (!ref.config().tieWordEmbeddings()) {
            out.put(LlamaLayout.LM_HEAD, copied(ref, LlamaLayout.LM_HEAD, dtype));
        }
        return out;
    }

    /** A tensor of one of the models, by folder and name. */
    private record Inputs(Path folder, String name) {
    }

    /** The reference's tensor, unmerged, stored as {@code dtype}. */
    private MergedModel.Planned copied(StoredWeights ref, String name, DType dtype) {
        return new MergedModel.Planned(dtype, ref.entry(name).shape(), () -> values(ref, name));
    }

    /** An output tensor merged from {@code sources} (and {@code base}) when it is written. */
    private MergedModel.Planned planned(String name, long[] shape, DType dtype, Inputs base, List<Inputs> sources,
            List<Settings> perModel) {
        return new MergedModel.Planned(dtype, shape, () -> {
            List<float[]> values = sources.stream().map(i -> values(loaded.get(i.folder()), i.name())).toList();
            float[] from = base == null ? null : values(loaded.get(base.folder()), base.name());
            return config.operator().merge(new TensorInputs(name, from, values), config.parameters(), perModel);
        });
    }

    /** A stored tensor's values on the heap, its direct buffer freed at once. */
    private static float[] values(StoredWeights model, String name) {
        Tensor t = model.load(name);
        try {
            return t.toFloatArray();
        } finally {
            t.release();
        }
    }

    /** The path of a folder as the config first writes it. */
    private String written(Path folder) {
        if (config.base() != null && config.base().path().equals(folder)) {
            return config.base().written();
        }
        for (MergeConfig.Source m : config.models()) {
            if (m.path().equals(folder)) {
                return m.written();
            }
        }
        for (MergeConfig.Slice s : config.slices()) {
            for (MergeConfig.Source m : s.models()) {
                if (m.path().equals(folder)) {
                    return m.written();
                }
            }
        }
        return folder.toString();
    }
}
