package dev.strata.pipeline.merge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.Tensor;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.util.AtomicDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Runs a {@link MergeConfig}: reads its models, checks they share the reference's architecture, merges tensor by
 * tensor with the operator, and writes a Hugging Face folder (the reference's config and tokenizer) with
 * {@value #RECORD}, all at once.
 */
public final class ModelMerge {
    /** What was merged from what, beside the weights. */
    public static final String RECORD = "merge.json";

    private static final Logger LOG = LogManager.getLogger(ModelMerge.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final MergeConfig config;
    private final Map<Path, Checkpoint> loaded = new LinkedHashMap<>();
    private final ObjectNode record = JSON.createObjectNode();

    private ModelMerge(MergeConfig config) {
        this.config = config;
    }

    /** Merges as {@code config} says into {@code out} (absent or empty) and returns the written model. */
    public static Checkpoint run(MergeConfig config, Path out) {
        AtomicDirectory.requireAbsentOrEmpty(out.toAbsolutePath().normalize());
        return new ModelMerge(config).write(out);
    }

    private Checkpoint write(Path out) {
        for (Path folder : config.folders()) {
            LOG.info("reading {}", folder);
            loaded.put(folder, ModelFolder.read(folder));
        }
        MergeConfig.Source reference = config.reference();
        Checkpoint ref = loaded.get(reference.path());
        for (Map.Entry<Path, Checkpoint> e : loaded.entrySet()) {
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
        Map<String, Tensor> tensors = config.slices().isEmpty() ? wholeModels(ref, dtype) : sliced(ref, dtype);
        int layers = config.slices().isEmpty() ? ref.config().numLayers()
                : config.slices().stream().mapToInt(s -> s.models().get(0).length()).sum();
        LlamaConfig outConfig = ref.config().withNumLayers(layers);
        if (config.dtype() != null) {
            outConfig = outConfig.withDtype(dtype);
        }
        record.put("num_hidden_layers", layers);
        Checkpoint merged = new Checkpoint(outConfig, tensors, ref.assets());
        try {
            ModelFolder.write(merged, out, ModelFolder.DEFAULT_MAX_SHARD_BYTES,
                    Map.of(RECORD, JSON.writeValueAsString(record) + "\n"));
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
        return merged;
    }

    /** Every tensor merged across the models (the base's shapes and order). */
    private Map<String, Tensor> wholeModels(Checkpoint ref, DType dtype) {
        ArrayNode models = record.putArray("models");
        for (MergeConfig.Source m : config.models()) {
            models.addObject().put("model", m.path().toString()).set("parameters", m.parameters().toJson());
        }
        List<Settings> perModel = config.models().stream().map(MergeConfig.Source::parameters).toList();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Tensor t : ref.tensors().values()) {
            List<float[]> values = new ArrayList<>();
            for (MergeConfig.Source m : config.models()) {
                values.add(loaded.get(m.path()).tensor(t.name()).toFloatArray());
            }
            float[] base = config.operator().needsBase() ? loaded.get(config.base().path()).tensor(t.name())
                    .toFloatArray() : null;
            out.put(t.name(), merge(t.name(), t.shape(), dtype, base, values, perModel));
        }
        return out;
    }

    /**
     * The slices' layers in order, each merged across its slice's sources; embeddings, final norm and head are the
     * reference's.
     */
    private Map<String, Tensor> sliced(Checkpoint ref, DType dtype) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put(LlamaLayout.EMBED, ref.tensor(LlamaLayout.EMBED).as(LlamaLayout.EMBED, dtype));
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
                for (LayerTensor t : LayerTensor.of(ref.config())) {
                    List<float[]> values = new ArrayList<>();
                    for (MergeConfig.Source s : slice.models()) {
                        values.add(loaded.get(s.path()).tensor(t.name(s.layers()[0] + k)).toFloatArray());
                    }
                    float[] base = slice.base() == null ? null
                            : loaded.get(slice.base().path()).tensor(t.name(slice.base().layers()[0] + k)).toFloatArray();
                    out.put(t.name(at), merge(t.name(at), t.shape(ref.config()), dtype, base, values, perModel));
                }
            }
        }
        out.put(LlamaLayout.FINAL_NORM, ref.tensor(LlamaLayout.FINAL_NORM).as(LlamaLayout.FINAL_NORM, dtype));
        if (!ref.config().tieWordEmbeddings()) {
            out.put(LlamaLayout.LM_HEAD, ref.tensor(LlamaLayout.LM_HEAD).as(LlamaLayout.LM_HEAD, dtype));
        }
        return out;
    }

    private Tensor merge(String name, long[] shape, DType dtype, float[] base, List<float[]> values,
            List<Settings> perModel) {
        float[] merged = config.operator().merge(new TensorInputs(name, base, values), config.parameters(), perModel);
        return Tensor.of(name, dtype, shape, merged);
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
