package dev.strata.pipeline.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The Hugging Face tensor names of a Llama checkpoint and the shapes its config implies: the one place they live. */
public final class LlamaLayout {
    public static final String EMBED = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    /** Buffers older checkpoints carry that are derived from the config; ignored on read. */
    private static final Pattern DERIVED_BUFFER = Pattern.compile("model\\.layers\\.\\d+\\.self_attn\\.rotary_emb\\.inv_freq");

    private LlamaLayout() {
    }

    /** The tensors of one decoder layer, by their name inside the layer. */
    public enum LayerTensor {
        INPUT_NORM("input_layernorm.weight"),
        Q_PROJ("self_attn.q_proj.weight"),
        K_PROJ("self_attn.k_proj.weight"),
        V_PROJ("self_attn.v_proj.weight"),
        /** Qwen2's query, key and value biases (absent from Llama and Mistral). */
        Q_BIAS("self_attn.q_proj.bias"),
        K_BIAS("self_attn.k_proj.bias"),
        V_BIAS("self_attn.v_proj.bias"),
        O_PROJ("self_attn.o_proj.weight"),
        POST_ATTENTION_NORM("post_attention_layernorm.weight"),
        GATE_PROJ("mlp.gate_proj.weight"),
        UP_PROJ("mlp.up_proj.weight"),
        DOWN_PROJ("mlp.down_proj.weight");

        private final String suffix;

        LayerTensor(String suffix) {
            this.suffix = suffix;
        }

        /** The kinds a layer of {@code c} has: every kind, less the q/k/v biases where the model has none. */
        public static List<LayerTensor> of(LlamaConfig c) {
            return Arrays.stream(values()).filter(t -> c.qkvBias() || !t.isBias()).toList();
        }

        public boolean isBias() {
            return this == Q_BIAS || this == K_BIAS || this == V_BIAS;
        }

        /** An RMSNorm's scale: kept in F32 whatever the compute type. */
        public boolean isNorm() {
            return this == INPUT_NORM || this == POST_ATTENTION_NORM;
        }

        /** The full name in layer {@code layer}. */
        public String name(int layer) {
            return "model.layers." + layer + "." + suffix;
        }

        /** The shape this tensor has under {@code c}. */
        public long[] shape(LlamaConfig c) {
            long d = c.hiddenSize();
            long q = (long) c.numHeads() * c.headDim();
            long kv = (long) c.numKvHeads() * c.headDim();
            long ff = c.intermediateSize();
            return switch (this) {
                case INPUT_NORM, POST_ATTENTION_NORM -> new long[] {d};
                case Q_PROJ -> new long[] {q, d};
                case Q_BIAS -> new long[] {q};
                case K_BIAS, V_BIAS -> new long[] {kv};
                case K_PROJ, V_PROJ -> new long[] {kv, d};
                case O_PROJ -> new long[] {d, q};
                case GATE_PROJ, UP_PROJ -> new long[] {ff, d};
                case DOWN_PROJ -> new long[] {d, ff};
            };
        }
    }

    /** Every tensor name the config implies, in canonical order, with its shape. */
    public static Map<String, long[]> expectedShapes(LlamaConfig c) {
        Map<String, long[]> out = new LinkedHashMap<>();
        out.put(EMBED, new long[] {c.vocabSize(), c.hiddenSize()});
        for (int layer = 0; layer < c.numLayers(); layer++) {
            for (LayerTensor t : LayerTensor.of(c)) {
                out.put(t.name(layer), t.shape(c));
            }
        }
        out.put(FINAL_NORM, new long[] {c.hiddenSize()});
        if (!c.tieWordEmbeddings()) {
            out.put(LM_HEAD, new long[] {c.vocabSize(), c.hiddenSize()});
        }
        return out;
    }

    /** True for tensors a checkpoint may carry that Strata derives instead (RoPE frequency buffers). */
    public static boolean isDerivedBuffer(String name) {
        return DERIVED_BUFFER.matcher(name).matches();
    }
}
