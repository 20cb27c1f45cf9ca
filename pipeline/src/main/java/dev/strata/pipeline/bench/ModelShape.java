package dev.strata.pipeline.bench;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.RopeScaling;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/** Published shapes of Llama-architecture models, for benchmarks and scale tests with random weights. */
public enum ModelShape {
    STORIES260K("stories260k", 64, 172, 5, 8, 4, 512, 512, true, 5),
    TINYLLAMA_1_1B("tinyllama-1.1b", 2048, 5632, 22, 32, 4, 32000, 2048, false, 22),
    LLAMA2_7B("llama2-7b", 4096, 11008, 32, 32, 32, 32000, 4096, false, 2),
    LLAMA2_13B("llama2-13b", 5120, 13824, 40, 40, 40, 32000, 4096, false, 1),
    /** Llama 3.1 8B: a 128K vocabulary, theta 500000 and rope_scaling "llama3". */
    LLAMA3_8B("llama3-8b", 4096, 14336, 32, 32, 8, 128256, 131072, false, 2,
            b -> b.ropeTheta(500000).ropeScaling(new RopeScaling(8, 1, 4, 8192))),
    /** Mistral 7B v0.1: a sliding window of 4096 tokens. */
    MISTRAL_7B("mistral-7b", 4096, 14336, 32, 32, 8, 32000, 32768, false, 2, b -> b.mistral(4096)),
    /** Qwen2 7B: q/k/v biases, a 152K vocabulary, theta 1e6. */
    QWEN2_7B("qwen2-7b", 3584, 18944, 28, 28, 4, 152064, 32768, false, 2,
            b -> b.qwen2().ropeTheta(1e6).rmsNormEps(1e-6));

    private final String id;
    private final int hidden;
    private final int intermediate;
    private final int layers;
    private final int heads;
    private final int kvHeads;
    private final int vocab;
    private final int context;
    private final boolean tied;
    private final int defaultBenchLayers;
    /** What the shape sets beyond the Llama 2 keys (rope, window). */
    private final UnaryOperator<LlamaConfig.Builder> extra;

    ModelShape(String id, int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, int context,
            boolean tied, int defaultBenchLayers) {
        this(id, hidden, intermediate, layers, heads, kvHeads, vocab, context, tied, defaultBenchLayers, b -> b);
    }

    ModelShape(String id, int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, int context,
            boolean tied, int defaultBenchLayers, UnaryOperator<LlamaConfig.Builder> extra) {
        this.extra = extra;
        this.id = id;
        this.hidden = hidden;
        this.intermediate = intermediate;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.vocab = vocab;
        this.context = context;
        this.tied = tied;
        this.defaultBenchLayers = defaultBenchLayers;
    }

    public String id() {
        return id;
    }

    /** Layers a benchmark uses unless told otherwise (all, except where the weights would not fit in memory). */
    public int defaultBenchLayers() {
        return defaultBenchLayers;
    }

    /** The published number of layers. */
    public int layers() {
        return layers;
    }

    /** This shape with {@code numLayers} decoder layers. */
    public LlamaConfig config(int numLayers) {
        return extra.apply(LlamaConfig.builder().hiddenSize(hidden).intermediateSize(intermediate).numLayers(numLayers)
                .numHeads(heads).numKvHeads(kvHeads).vocabSize(vocab).maxPositions(context)
                .tieWordEmbeddings(tied)).build();
    }

    public static ModelShape parse(String id) {
        for (ModelShape s : values()) {
            if (s.id.equalsIgnoreCase(id)) {
                return s;
            }
        }
        throw new StrataException("--shape '" + id + "' is not known (expected one of "
                + Arrays.stream(values()).map(ModelShape::id).collect(Collectors.joining(", ")) + ")");
    }
}
