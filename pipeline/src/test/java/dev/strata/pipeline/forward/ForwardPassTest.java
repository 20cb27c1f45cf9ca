package dev.strata.pipeline.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.RopeScaling;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.testing.Llama2cReader;
import dev.strata.pipeline.testing.ReferenceLlama;
import dev.strata.pipeline.testing.TinyModels;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The DJL forward pass, capture included, against the plain-Java double-precision reference. */
class ForwardPassTest {
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest(name = "kv heads {0}, tied {1}")
    @CsvSource({"2, false", "1, true", "4, false"})
    void randomGroupedQueryModelMatchesReference(int kvHeads, boolean tied) {
        Checkpoint cp = TinyModels.random(TinyModels.config(3, kvHeads, tied), 42 + kvHeads, DType.F32);
        int[][] batch = randomTokens(3, 17, cp.config().vocabSize(), 7);
        compare(cp, new ReferenceLlama(cp, false), batch);
    }

    @Test
    void llama3RopeScalingMatchesReference() {
        // original context 64: the first frequency pair is kept, the second interpolated, the last two slowed 8x
        LlamaConfig config = LlamaConfig.builder().hiddenSize(32).intermediateSize(48).numLayers(2).numHeads(4)
                .numKvHeads(2).vocabSize(61).maxPositions(256).rmsNormEps(1e-5).ropeTheta(10000)
                .ropeScaling(new RopeScaling(8, 1, 4, 64)).build();
        Checkpoint cp = TinyModels.random(config, 5, DType.F32);
        compare(cp, new ReferenceLlama(cp, false), randomTokens(2, 200, config.vocabSize(), 9));
    }

    @Test
    void mistralWithAWindowCoveringTheSequenceMatchesReferenceAndALongerSequenceIsRefused() {
        LlamaConfig config = LlamaConfig.builder().hiddenSize(32).intermediateSize(48).numLayers(2).numHeads(4)
                .numKvHeads(1).vocabSize(61).maxPositions(64).rmsNormEps(1e-5).ropeTheta(1e6).mistral(16).build();
        Checkpoint cp = TinyModels.random(config, 6, DType.F32);
        compare(cp, new ReferenceLlama(cp, false), randomTokens(2, 16, config.vocabSize(), 4));
        try (LlamaModel model = LlamaModel.fromCheckpoint(cp, Device.cpu()); NDManager scope = model.newScope()) {
            dev.strata.pipeline.StrataException ex = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.strata.pipeline.StrataException.class, () -> model.logits(model.tokens(scope, new long[][] {
                        java.util.stream.LongStream.range(0, 17).toArray()})));
            assertEquals("config: sliding_window 16 is shorter than the 17 positions of the sequence; Strata's "
                    + "attention is exact only where the window covers the sequence: use at most 16 tokens (--seq-len)",
                    ex.getMessage());
        }
    }

    @ParameterizedTest(name = "tied {0}")
    @CsvSource({"true", "false"})
    void qwen2BiasesMatchReference(boolean tied) {
        LlamaConfig config = LlamaConfig.builder().hiddenSize(32).intermediateSize(48).numLayers(2).numHeads(4)
                .numKvHeads(2).vocabSize(61).maxPositions(64).rmsNormEps(1e-6).ropeTheta(1e6).tieWordEmbeddings(tied)
                .qwen2().build();
        Checkpoint cp = TinyModels.random(config, 7, DType.F32);
        assertTrue(cp.tensors().containsKey("model.layers.1.self_attn.k_proj.bias"));
        compare(cp, new ReferenceLlama(cp, false), randomTokens(2, 19, config.vocabSize(), 2));
    }

    @Test
    void sharedModelMatchesLlama2cReferenceWithInterleavedRope() throws Exception {
        Checkpoint hf = ModelFolder.read(TinyModels.STORIES);
        Checkpoint original = Llama2cReader.readUnpermuted(TinyModels.STORIES_LLAMA2C.resolve("stories260K.bin"));
        int[][] batch = randomTokens(2, 96, hf.config().vocabSize(), 3);
        compare(hf, new ReferenceLlama(original, true), batch);
    }

    private static void compare(Checkpoint cp, ReferenceLlama reference, int[][] batch) {
        try (LlamaModel model = LlamaModel.fromCheckpoint(cp, Device.cpu()); NDManager scope = model.newScope()) {
            long[][] ids = new long[batch.length][];
            for (int b = 0; b < batch.length; b++) {
                ids[b] = java.util.Arrays.stream(batch[b]).asLongStream().toArray();
            }
            ForwardOutput out = model.forward(model.tokens(scope, ids), Capture.ALL);
            int layers = cp.config().numLayers();
            assertEquals(layers + 1, out.hiddenStates().size());
            assertEquals(layers, out.attentionOutputs().size());
            assertEquals(layers, out.mlpActivations().size());
            for (int b = 0; b < batch.length; b++) {
                ReferenceLlama.Trace trace = reference.forward(batch[b]);
                assertClose("logits", trace.logits(), out.logits(), b);
                for (int l = 0; l <= layers; l++) {
                    assertClose("h_" + l, trace.hidden()[l], out.hiddenStates().get(l), b);
                }
                for (int l = 0; l < layers; l++) {
                    assertClose("attention " + l, trace.attention()[l], out.attentionOutputs().get(l), b);
                    assertClose("mlp " + l, trace.mlp()[l], out.mlpActivations().get(l), b);
                }
            }
        }
    }

    /** Max abs difference relative to the reference's max magnitude, for sequence {@code b} of a batch. */
    static void assertClose(String what, double[][] expected, NDArray actual, int b) {
        float[] got = actual.get(b).toFloatArray();
        double maxDiff = 0;
        double maxRef = 0;
        int width = expected[0].length;
        assertEquals(expected.length * width, got.length, what + " size");
        for (int t = 0; t < expected.length; t++) {
            for (int i = 0; i < width; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(expected[t][i] - got[t * width + i]));
                maxRef = Math.max(maxRef, Math.abs(expected[t][i]));
            }
        }
        assertTrue(maxRef > 0, what + " is all zeros");
        assertTrue(maxDiff / maxRef <= TOLERANCE, what + ": relative error " + maxDiff / maxRef + " > " + TOLERANCE);
    }

    static int[][] randomTokens(int batch, int seq, int vocab, long seed) {
        Random rng = new Random(seed);
        int[][] out = new int[batch][seq];
        for (int[] row : out) {
            for (int t = 0; t < seq; t++) {
                row[t] = rng.nextInt(vocab);
            }
        }
        return out;
    }
}
