package dev.strata.pipeline.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.util.AtomicDirectory;
import dev.strata.pipeline.util.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A Hugging Face Llama model folder: config.json, weights in model.safetensors or in shards listed by
 * model.safetensors.index.json, and the tokenizer files. Reading validates every header and the tensor names
 * and shapes against config.json before any weight is loaded; writing goes through a hidden temporary folder
 * that is renamed when complete.
 */
public final class ModelFolder {
    public static final String CONFIG = "config.json";
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** transformers' default shard size. */
    public static final long DEFAULT_MAX_SHARD_BYTES = 5_000_000_000L;

    private static final Logger LOG = LogManager.getLogger(ModelFolder.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Map<String, String> SAFETENSORS_METADATA = Map.of("format", "pt");

    private ModelFolder() {
    }

    /** Reads and validates a model folder: every tensor loaded. */
    public static Checkpoint read(Path dir) {
        return Checkpoint.of(open(dir));
    }

    /** Opens and validates a model folder without loading its weights (config.json and the headers are read). */
    public static StoredWeights open(Path dir) {
        requireFolder(dir);
        return validated(dir, LlamaConfig.read(dir.resolve(CONFIG)), weightHeaders(dir), readAssets(dir));
    }

    /**
     * Validates a model folder as {@link #read} does, reading only config.json and the safetensors headers: what a
     * driver checks before tasks load the weights.
     */
    public static LlamaConfig check(Path dir) {
        return open(dir).config();
    }

    /** The tensors the model uses, each with its file's header, checked against the config (names and shapes). */
    private static StoredWeights validated(Path dir, LlamaConfig config, List<Safetensors.Header> headers,
            Map<String, byte[]> assets) {
        String whole = headers.size() == 1 && !Files.exists(dir.resolve(INDEX_FILE))
                ? headers.get(0).file().toString() : dir.resolve(INDEX_FILE).toString();

        Map<String, Safetensors.Entry> entries = new LinkedHashMap<>();
        Map<String, Safetensors.Header> headerOf = new LinkedHashMap<>();
        for (Safetensors.Header h : headers) {
            for (Safetensors.Entry e : h.entries()) {
                if (LlamaLayout.isDerivedBuffer(e.name())) {
                    continue;
                }
                if (e.name().equals(LlamaLayout.LM_HEAD) && config.tieWordEmbeddings()) {
                    LOG.warn("{}: ignoring lm_head.weight because tie_word_embeddings is true", h.file());
                    continue;
                }
                Safetensors.Header seen = headerOf.put(e.name(), h);
                if (seen != null) {
                    throw new StrataException(h.file() + ": tensor '" + e.name() + "' is also in " + seen.file());
                }
                entries.put(e.name(), e);
            }
        }
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, String> origin = new LinkedHashMap<>();
        entries.forEach((name, e) -> {
            shapes.put(name, e.shape());
            origin.put(name, headerOf.get(name).file().toString());
        });
        Checkpoint.validateAgainst(config, shapes, origin, whole);
        Map<String, Safetensors.Entry> ordered = new LinkedHashMap<>();
        for (String name : LlamaLayout.expectedShapes(config).keySet()) {
            ordered.put(name, entries.get(name));
        }
        return new StoredWeights(config, ordered, headerOf, assets);
    }

    /** Reads and validates only config.json of a model folder. */
    public static LlamaConfig readConfig(Path dir) {
        requireFolder(dir);
        return LlamaConfig.read(dir.resolve(CONFIG));
    }

    private static void requireFolder(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new StrataException(dir + ": not a model folder (no such directory)");
        }
    }

    private static List<Safetensors.Header> weightHeaders(Path dir) {
        if (Files.exists(dir.resolve(SINGLE_FILE))) {
            return List.of(Safetensors.readHeader(dir.resolve(SINGLE_FILE)));
        }
        if (Files.exists(dir.resolve(INDEX_FILE))) {
            return shardHeaders(dir, dir.resolve(INDEX_FILE));
        }
        if (Files.exists(dir.resolve("pytorch_model.bin")) || Files.exists(dir.resolve("pytorch_model.bin.index.json"))) {
            throw new StrataException(dir + ": holds PyTorch .bin weights; Strata reads safetensors "
                    + "(save the model with safe_serialization=True)");
        }
        throw new StrataException(dir + ": no " + SINGLE_FILE + " or " + INDEX_FILE);
    }

    private static List<Safetensors.Header> shardHeaders(Path dir, Path index) {
        JsonNode weightMap = readJson(index).get("weight_map");
        if (weightMap == null || !weightMap.isObject()) {
            throw new StrataException(index + ": no 'weight_map' object");
        }
        Map<String, List<String>> tensorsByShard = new TreeMap<>();
        weightMap.fields().forEachRemaining(f -> {
            String shard = f.getValue().asText();
            if (!f.getValue().isTextual() || shard.isEmpty() || shard.contains("/") || shard.contains("\\")
                    || shard.startsWith(".")) {
                throw new StrataException(index + ": tensor '" + f.getKey() + "' maps to '" + f.getValue()
                        + "', which is not a file name in the model folder");
            }
            tensorsByShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(f.getKey());
        });
        List<Safetensors.Header> headers = new ArrayList<>();
        for (Map.Entry<String, List<String>> shard : tensorsByShard.entrySet()) {
            Path file = dir.resolve(shard.getKey());
            if (!Files.isRegularFile(file)) {
                throw new StrataException(index + ": shard '" + shard.getKey() + "' does not exist");
            }
            Safetensors.Header h = Safetensors.readHeader(file);
            List<String> inFile = h.entries().stream().map(Safetensors.Entry::name).toList();
            for (String name : shard.getValue()) {
                if (!inFile.contains(name)) {
                    throw new StrataException(index + ": maps tensor '" + name + "' to shard '" + shard.getKey()
                            + "', which does not contain it");
                }
            }
            for (String name : inFile) {
                if (!shard.getValue().contains(name)) {
                    throw new StrataException(file + ": holds tensor '" + name + "', which " + index.getFileName()
                            + " does not map to this shard");
                }
            }
            headers.add(h);
        }
        return headers;
    }

    private static JsonNode readJson(Path file) {
        try {
            JsonNode node = JSON.readTree(Files.readString(file));
            if (node == null || !node.isObject()) {
                throw new StrataException(file + ": expected a JSON object");
            }
            return node;
        } catch (JsonProcessingException ex) {
            throw new StrataException(file + ": not valid JSON: " + ex.getOriginalMessage());
        } catch (IOException ex) {
            throw new UncheckedIOException(file + ": cannot read: " + ex.getMessage(), ex);
        }
    }

    private static Map<String, byte[]> readAssets(Path dir) {
        Map<String, byte[]> assets = new LinkedHashMap<>();
        for (String name : Checkpoint.ASSET_FILES) {
            Path file = dir.resolve(name);
            if (Files.isRegularFile(file)) {
                try {
                    assets.put(name, Files.readAllBytes(file));
                } catch (IOException ex) {
                    throw new UncheckedIOException(file + ": cannot read: " + ex.getMessage(), ex);
                }
            }
        }
        return assets;
    }

    /** Writes a model folder with transformers' default shard size. */
    public static void write(ModelWeights model, Path dir) {
        write(model, dir, DEFAULT_MAX_SHARD_BYTES);
    }

    /**
     * Writes a model folder: every tensor in its storage type, in one file or, above {@code maxShardBytes}, in
     * shards with an index. The folder appears only when complete.
     */
    public static void write(ModelWeights model, Path dir, long maxShardBytes) {
        write(model, dir, maxShardBytes, Map.of());
    }

    /**
     * Writes a model folder as above with {@code extraFiles} (name to UTF-8 text) beside it, in the same rename. The
     * tensors are streamed one chunk at a time: a model in its files (or a selection of its layers) is never loaded.
     */
    public static void write(ModelWeights model, Path dir, long maxShardBytes, Map<String, String> extraFiles) {
        write(model.config(), model.assets(), model.streams(), dir, maxShardBytes, extraFiles);
    }

    /**
     * Writes a model folder from streamed tensors (in this order), one chunk in memory at a time: config.json, the
     * assets and {@code extraFiles}, and the weights in one file or, above {@code maxShardBytes}, in shards with an
     * index. The folder appears only when complete.
     */
    public static void write(LlamaConfig config, Map<String, byte[]> assets, List<TensorStream> tensors, Path dir,
            long maxShardBytes, Map<String, String> extraFiles) {
        if (maxShardBytes <= 0) {
            throw new StrataException("shard size must be positive, got " + maxShardBytes);
        }
        List<List<TensorStream>> shards = planShards(tensors, maxShardBytes);
        long totalBytes = tensors.stream().mapToLong(TensorStream::storedBytes).sum();
        AtomicDirectory.create(dir, tmp -> {
            Files.writeString(tmp.resolve(CONFIG), config.toJson(), StandardCharsets.UTF_8);
            for (Map.Entry<String, String> extra : extraFiles.entrySet()) {
                Files.writeString(tmp.resolve(extra.getKey()), extra.getValue(), StandardCharsets.UTF_8);
            }
            for (Map.Entry<String, byte[]> asset : assets.entrySet()) {
                Files.write(tmp.resolve(asset.getKey()), asset.getValue());
            }
            if (shards.size() == 1) {
                Safetensors.writeStreams(tmp.resolve(SINGLE_FILE), shards.get(0), SAFETENSORS_METADATA);
                return;
            }
            Map<String, String> weightMap = new TreeMap<>();
            Progress progress = new Progress("write " + dir.getFileName(), shards.size(), "shards");
            for (int i = 0; i < shards.size(); i++) {
                String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                Safetensors.writeStreams(tmp.resolve(name), shards.get(i), SAFETENSORS_METADATA);
                shards.get(i).forEach(t -> weightMap.put(t.name(), name));
                progress.advance(1, 0);
            }
            ObjectNode index = JSON.createObjectNode();
            index.putObject("metadata").put("total_size", totalBytes);
            ObjectNode map = index.putObject("weight_map");
            weightMap.forEach(map::put);
            Files.writeString(tmp.resolve(INDEX_FILE), JSON.writeValueAsString(index) + "\n", StandardCharsets.UTF_8);
        });
        LOG.info("wrote {} ({} tensors, {} MB, {} file{})", dir, tensors.size(),
                String.format("%.1f", totalBytes / 1e6), shards.size(), shards.size() == 1 ? "" : "s");
    }

    private static List<List<TensorStream>> planShards(List<TensorStream> tensors, long maxShardBytes) {
        List<List<TensorStream>> shards = new ArrayList<>();
        List<TensorStream> current = new ArrayList<>();
        long size = 0;
        for (TensorStream t : tensors) {
            if (!current.isEmpty() && size + t.storedBytes() > maxShardBytes) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(t);
            size += t.storedBytes();
        }
        shards.add(current);
        return shards;
    }
}
