package dev.strata.pipeline.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated Hugging Face config.json of a Llama-architecture model: Llama 1-3.x (rope_scaling "llama3" included),
 * Mistral (model_type "mistral", whose sliding window is exact where it covers the sequence) and Qwen2 (model_type
 * "qwen2": biases on the query, key and value projections). The original JSON is kept so that writing a model back
 * preserves every key Strata does not interpret; only the keys a surgery changes are updated.
 * Defaults follow transformers' LlamaConfig.
 */
public final class LlamaConfig {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ObjectNode json;
    private final String source;
    private final int hiddenSize;
    private final int intermediateSize;
    private final int numLayers;
    private final int numHeads;
    private final int numKvHeads;
    private final int headDim;
    private final int vocabSize;
    private final int maxPositions;
    private final double rmsNormEps;
    private final double ropeTheta;
    private final boolean tieWordEmbeddings;
    private final int bosTokenId;
    private final List<Integer> eosTokenIds;
    private final DType dtype;
    private final RopeScaling ropeScaling;
    /** Mistral's attention window in tokens, or 0 for none. */
    private final int slidingWindow;
    /** Qwen2's biases on the query, key and value projections. */
    private final boolean qkvBias;

    /** The model types read, with their architecture class names. */
    private static final java.util.Map<String, String> ARCHITECTURES = java.util.Map.of("llama", "LlamaForCausalLM",
            "mistral", "MistralForCausalLM", "qwen2", "Qwen2ForCausalLM");
    private static final String KNOWN_TYPES = "\"llama\", \"mistral\" or \"qwen2\"";

    private LlamaConfig(ObjectNode json, String source) {
        this.json = json;
        this.source = source;
        require(textOrNull("model_type") != null, "missing 'model_type' (expected " + KNOWN_TYPES + ")");
        String modelType = textOrNull("model_type");
        require(ARCHITECTURES.containsKey(modelType), "model_type '" + modelType + "' is not supported (expected "
                + KNOWN_TYPES + ")");
        qkvBias = modelType.equals("qwen2");
        JsonNode architectures = json.get("architectures");
        if (architectures != null && !architectures.isNull()) {
            boolean known = false;
            for (JsonNode a : architectures) {
                known |= ARCHITECTURES.get(modelType).equals(a.asText());
            }
            require(known, "architectures " + architectures + " is not supported for model_type '" + modelType
                    + "' (expected [\"" + ARCHITECTURES.get(modelType) + "\"])");
        }
        String act = json.has("hidden_act") ? json.get("hidden_act").asText() : "silu";
        require(act.equals("silu"), "hidden_act '" + act + "' is not supported (expected \"silu\")");
        ropeScaling = ropeScaling(json.get("rope_scaling"));
        // Qwen2 declares a window it uses only with use_sliding_window
        boolean windowed = !qkvBias || bool("use_sliding_window", false);
        slidingWindow = windowed && json.hasNonNull("sliding_window") ? positiveInt("sliding_window", null) : 0;
        require(!bool("attention_bias", false), "attention_bias true is not supported (Llama has none)");
        require(!bool("mlp_bias", false), "mlp_bias true is not supported (Llama has none)");

        hiddenSize = positiveInt("hidden_size", null);
        intermediateSize = positiveInt("intermediate_size", null);
        numLayers = positiveInt("num_hidden_layers", null);
        numHeads = positiveInt("num_attention_heads", null);
        numKvHeads = positiveInt("num_key_value_heads", numHeads);
        vocabSize = positiveInt("vocab_size", null);
        maxPositions = positiveInt("max_position_embeddings", 2048);
        require(numHeads % numKvHeads == 0, "num_attention_heads " + numHeads
                + " is not a multiple of num_key_value_heads " + numKvHeads);
        if (json.hasNonNull("head_dim")) {
            headDim = positiveInt("head_dim", null);
        } else {
            require(hiddenSize % numHeads == 0, "hidden_size " + hiddenSize
                    + " is not a multiple of num_attention_heads " + numHeads + " (and no head_dim is given)");
            headDim = hiddenSize / numHeads;
        }
        require(headDim % 2 == 0, "head dimension " + headDim + " must be even for rotary embeddings");
        rmsNormEps = positiveNumber("rms_norm_eps", 1e-6);
        ropeTheta = positiveNumber("rope_theta", 10000.0);
        tieWordEmbeddings = bool("tie_word_embeddings", false);
        bosTokenId = json.hasNonNull("bos_token_id") ? nonNegativeInt(json.get("bos_token_id"), "bos_token_id") : -1;
        eosTokenIds = new ArrayList<>();
        JsonNode eos = json.get("eos_token_id");
        if (eos != null && eos.isArray()) {
            eos.forEach(e -> eosTokenIds.add(nonNegativeInt(e, "eos_token_id")));
        } else if (eos != null && !eos.isNull()) {
            eosTokenIds.add(nonNegativeInt(eos, "eos_token_id"));
        }
        String dtypeName = textOrNull("torch_dtype") != null ? textOrNull("torch_dtype") : textOrNull("dtype");
        dtype = dtypeName == null ? DType.F32 : DType.fromTorchName(dtypeName, source);
    }

    /** rope_scaling: null (plain RoPE) or Llama 3.1's "llama3"; any other kind is refused, naming the key. */
    private RopeScaling ropeScaling(JsonNode scaling) {
        if (scaling == null || scaling.isNull()) {
            return null;
        }
        require(scaling.isObject(), "rope_scaling must be an object or null, got " + scaling);
        JsonNode kind = scaling.hasNonNull("rope_type") ? scaling.get("rope_type") : scaling.get("type");
        require(kind != null && "llama3".equals(kind.asText()), "rope_scaling type " + kind + " is not supported "
                + "(expected \"llama3\", or rope_scaling null)");
        double[] v = new double[4];
        String[] keys = {"factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"};
        for (int i = 0; i < keys.length; i++) {
            JsonNode n = scaling.get(keys[i]);
            require(n != null && n.isNumber() && n.asDouble() > 0, "rope_scaling." + keys[i]
                    + " must be a positive number, got " + n);
            v[i] = n.asDouble();
        }
        require(v[2] > v[1], "rope_scaling.high_freq_factor " + v[2] + " must exceed low_freq_factor " + v[1]);
        return new RopeScaling(v[0], v[1], v[2], (int) v[3]);
    }

    /** Parses and validates config JSON; {@code source} names the file in error messages. */
    public static LlamaConfig parse(String jsonText, String source) {
        JsonNode node;
        try {
            node = JSON.readTree(jsonText);
        } catch (JsonProcessingException ex) {
            throw new StrataException(source + ": not valid JSON: " + ex.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new StrataException(source + ": expected a JSON object");
        }
        return new LlamaConfig((ObjectNode) node, source);
    }

    /** Reads and validates a config.json file. */
    public static LlamaConfig read(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (NoSuchFileException ex) {
            throw new StrataException(file + ": file does not exist (a Hugging Face model folder needs config.json)");
        } catch (IOException ex) {
            throw new UncheckedIOException(file + ": cannot read: " + ex.getMessage(), ex);
        }
    }

    /** Starts a config for a model built in code (random weights, imports). */
    public static Builder builder() {
        return new Builder();
    }

    /** The same config with a different number of decoder layers. */
    public LlamaConfig withNumLayers(int layers) {
        ObjectNode copy = json.deepCopy();
        copy.put("num_hidden_layers", layers);
        return new LlamaConfig(copy, source);
    }

    /** The same config with a different storage type. */
    public LlamaConfig withDtype(DType type) {
        ObjectNode copy = json.deepCopy();
        copy.put("torch_dtype", type.torchName());
        copy.remove("dtype");
        return new LlamaConfig(copy, source);
    }

    /** config.json text, with every original key kept. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(json) + "\n";
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    public int hiddenSize() {
        return hiddenSize;
    }

    public int intermediateSize() {
        return intermediateSize;
    }

    public int numLayers() {
        return numLayers;
    }

    public int numHeads() {
        return numHeads;
    }

    public int numKvHeads() {
        return numKvHeads;
    }

    /** Query heads per key/value head. */
    public int numRep() {
        return numHeads / numKvHeads;
    }

    public int headDim() {
        return headDim;
    }

    public int vocabSize() {
        return vocabSize;
    }

    public int maxPositions() {
        return maxPositions;
    }

    public double rmsNormEps() {
        return rmsNormEps;
    }

    /** Llama 3.1's rope scaling, or null for plain RoPE. */
    public RopeScaling ropeScaling() {
        return ropeScaling;
    }

    /** True when the query, key and value projections have biases (Qwen2). */
    public boolean qkvBias() {
        return qkvBias;
    }

    /** Mistral's sliding attention window in tokens, or 0 when attention sees the whole sequence. */
    public int slidingWindow() {
        return slidingWindow;
    }

    public double ropeTheta() {
        return ropeTheta;
    }

    public boolean tieWordEmbeddings() {
        return tieWordEmbeddings;
    }

    /** The BOS id, or -1 when config.json names none. */
    public int bosTokenId() {
        return bosTokenId;
    }

    public List<Integer> eosTokenIds() {
        return List.copyOf(eosTokenIds);
    }

    /** The storage type config.json declares (torch_dtype). */
    public DType dtype() {
        return dtype;
    }

    /** The file this config came from, for error messages. */
    public String source() {
        return source;
    }

    /** Parameters of the decoder layers, embeddings and head (norms included). */
    public long parameterCount() {
        long d = hiddenSize;
        long attention = d * numHeads * headDim * 2 + d * numKvHeads * headDim * 2;
        long mlp = 3 * d * intermediateSize;
        long perLayer = attention + mlp + 2 * d;
        long embeddings = (long) vocabSize * d * (tieWordEmbeddings ? 1 : 2);
        return perLayer * numLayers + embeddings + d;
    }

    @Override
    public String toString() {
        return "llama(layers=" + numLayers + ", hidden=" + hiddenSize + ", mlp=" + intermediateSize + ", heads="
                + numHeads + "/" + numKvHeads + ", head_dim=" + headDim + ", vocab=" + vocabSize + ", " + dtype + ")";
    }

    private void require(boolean ok, String message) {
        if (!ok) {
            throw new StrataException(source + ": " + message);
        }
    }

    private String textOrNull(String key) {
        JsonNode v = json.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }

    private boolean bool(String key, boolean fallback) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        require(v.isBoolean(), "'" + key + "' must be true or false, got " + v);
        return v.asBoolean();
    }

    private int positiveInt(String key, Integer fallback) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            require(fallback != null, "missing required key '" + key + "'");
            return fallback;
        }
        require(v.isIntegralNumber() && v.canConvertToInt() && v.asInt() > 0,
                "'" + key + "' must be a positive integer, got " + v);
        return v.asInt();
    }

    private int nonNegativeInt(JsonNode v, String key) {
        require(v.isIntegralNumber() && v.canConvertToInt() && v.asInt() >= 0,
                "'" + key + "' must be a non-negative integer, got " + v);
        return v.asInt();
    }

    private double positiveNumber(String key, double fallback) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        require(v.isNumber() && v.asDouble() > 0, "'" + key + "' must be a positive number, got " + v);
        return v.asDouble();
    }

    /** Builds the JSON of a config in code, then validates it like a file. */
    public static final class Builder {
        private final ObjectNode json = JSON.createObjectNode();

        private Builder() {
            json.putArray("architectures").add("LlamaForCausalLM");
            json.put("model_type", "llama");
            json.put("hidden_act", "silu");
            json.put("rms_norm_eps", 1e-5);
            json.put("rope_theta", 10000.0);
            json.put("tie_word_embeddings", false);
            json.put("bos_token_id", 1);
            json.put("eos_token_id", 2);
            json.put("torch_dtype", "float32");
            json.put("attention_bias", false);
            json.put("mlp_bias", false);
        }

        public Builder hiddenSize(int v) {
            json.put("hidden_size", v);
            return this;
        }

        public Builder intermediateSize(int v) {
            json.put("intermediate_size", v);
            return this;
        }

        public Builder numLayers(int v) {
            json.put("num_hidden_layers", v);
            return this;
        }

        public Builder numHeads(int v) {
            json.put("num_attention_heads", v);
            return this;
        }

        public Builder numKvHeads(int v) {
            json.put("num_key_value_heads", v);
            return this;
        }

        public Builder vocabSize(int v) {
            json.put("vocab_size", v);
            return this;
        }

        public Builder maxPositions(int v) {
            json.put("max_position_embeddings", v);
            return this;
        }

        public Builder rmsNormEps(double v) {
            json.put("rms_norm_eps", v);
            return this;
        }

        public Builder ropeTheta(double v) {
            json.put("rope_theta", v);
            return this;
        }

        public Builder tieWordEmbeddings(boolean v) {
            json.put("tie_word_embeddings", v);
            return this;
        }

        /** Mistral's sliding window (model_type "mistral"). */
        public Builder mistral(int slidingWindow) {
            json.putArray("architectures").add("MistralForCausalLM");
            json.put("model_type", "mistral");
            json.put("sliding_window", slidingWindow);
            return this;
        }

        /** Qwen2: biases on the query, key and value projections. */
        public Builder qwen2() {
            json.putArray("architectures").add("Qwen2ForCausalLM");
            json.put("model_type", "qwen2");
            json.put("use_sliding_window", false);
            json.remove("attention_bias");
            json.remove("mlp_bias");
            return this;
        }

        /** Llama 3.1's rope scaling. */
        public Builder ropeScaling(RopeScaling r) {
            ObjectNode scaling = json.putObject("rope_scaling");
            scaling.put("rope_type", "llama3").put("factor", r.factor()).put("low_freq_factor", r.lowFreqFactor())
                    .put("high_freq_factor", r.highFreqFactor())
                    .put("original_max_position_embeddings", r.originalMaxPositions());
            return this;
        }

        public Builder dtype(DType v) {
            json.put("torch_dtype", v.torchName());
            return this;
        }

        public LlamaConfig build() {
            return new LlamaConfig(json.deepCopy(), "config");
        }
    }
}
