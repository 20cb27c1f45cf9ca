package dev.strata.pipeline.testing;

import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Random Llama checkpoints of tiny shapes, built in tests from a seed, and the shared real model's paths. */
public final class TinyModels {
    /** The shared real model (stories260K, Hugging Face layout). */
    public static final Path STORIES = Path.of("../../shared/models/stories260K").toAbsolutePath().normalize();
    public static final Path STORIES_LLAMA2C = STORIES.resolve("llama2c");
    public static final Path DATA = Path.of("../../shared/data").toAbsolutePath().normalize();
    public static final Path TINYSTORIES_TEXT = Path.of("../../shared/data/tinystories/valid.txt").toAbsolutePath().normalize();

    private TinyModels() {
    }

    /** A grouped-query config: hidden 32, 4 query heads of 8 channels, {@code kvHeads} key/value heads. */
    public static LlamaConfig config(int layers, int kvHeads, boolean tied) {
        return LlamaConfig.builder().hiddenSize(32).intermediateSize(48).numLayers(layers).numHeads(4)
                .numKvHeads(kvHeads).vocabSize(61).maxPositions(64).rmsNormEps(1e-5).ropeTheta(10000)
                .tieWordEmbeddings(tied).build();
    }

    /** The same checkpoint with decoder layer {@code removed} taken out (later layers renumbered). */
    public static Checkpoint withoutLayer(Checkpoint cp, int removed) {
        LlamaConfig config = cp.config().withNumLayers(cp.config().numLayers() - 1);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        cp.tensors().forEach((name, t) -> {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("model\\.layers\\.(\\d+)\\.(.*)").matcher(name);
            if (!m.matches()) {
                tensors.put(name, t);
                return;
            }
            int layer = Integer.parseInt(m.group(1));
            if (layer != removed) {
                String renamed = "model.layers." + (layer < removed ? layer : layer - 1) + "." + m.group(2);
                tensors.put(renamed, t.as(renamed, t.dtype()));
            }
        });
        return new Checkpoint(config, tensors, cp.assets());
    }

    /** Random weights for {@code config}, normal with std 0.3 (norm weights around 1), stored as {@code dtype}. */
    public static Checkpoint random(LlamaConfig config, long seed, DType dtype) {
        Random rng = new Random(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        LlamaLayout.expectedShapes(config).forEach((name, shape) -> {
            int n = (int) Tensor.checkedElementCount(name, shape);
            float[] v = new float[n];
            boolean norm = name.endsWith("norm.weight");
            for (int i = 0; i < n; i++) {
                v[i] = norm ? (float) (1 + 0.1 * rng.nextGaussian()) : (float) (0.3 * rng.nextGaussian());
            }
            tensors.put(name, Tensor.of(name, dtype, shape, v));
        });
        return new Checkpoint(config, tensors, Map.of());
    }

    /** The first {@code count} windows of {@code seq} tokens of the shared TinyStories text (its first 60,000 chars). */
    public static java.util.List<dev.strata.pipeline.data.TokenWindow> storyWindows(LlamaConfig config, int count,
            int seq) throws java.io.IOException {
        try (dev.strata.pipeline.tokenize.Tokenizer tok = dev.strata.pipeline.tokenize.Tokenizer.load(STORIES, config)) {
            dev.strata.pipeline.data.WindowPacker packer = new dev.strata.pipeline.data.WindowPacker(seq,
                    config.bosTokenId());
            packer.addText(tok.encode(java.nio.file.Files.readString(TINYSTORIES_TEXT).substring(0, 60_000)));
            java.util.List<int[]> ids = packer.windows();
            return java.util.stream.IntStream.range(0, count)
                    .mapToObj(i -> new dev.strata.pipeline.data.TokenWindow(i, (long) i * seq, ids.get(i))).toList();
        }
    }
}
