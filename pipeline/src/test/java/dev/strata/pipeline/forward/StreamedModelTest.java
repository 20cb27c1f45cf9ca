package dev.strata.pipeline.forward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.eval.Perplexity;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.StoredWeights;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.Scorer;
import dev.strata.pipeline.testing.ArrayDifference;
import dev.strata.pipeline.testing.TinyModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A model streamed from its files a layer at a time computes what the same model held whole computes: every captured
 * activation, the logits (the head read in blocks of rows), a layer dropped, calibration scores and perplexity.
 */
class StreamedModelTest {
    private static final double TOLERANCE = 1e-6;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "tied {0}, stored as {1}")
    @CsvSource({"false, BF16", "true, F32"})
    void streamedPassesEqualWholeModelPasses(boolean tied, DType dtype) {
        Checkpoint cp = TinyModels.random(TinyModels.config(3, 2, tied), 11, dtype);
        Path dir = tmp.resolve("model");
        ModelFolder.write(cp, dir, 20_000);
        StoredWeights stored = ModelFolder.open(dir);
        // room for one layer and 5 rows of the head: the 61-row head is read in 13 blocks
        MemoryBudget tight = new MemoryBudget(stored.layerF32Bytes(0) + 5 * 4L * cp.config().hiddenSize(), "test");
        int[][] batch = randomTokens(2, 23, cp.config().vocabSize());
        MemoryBudget roomy = new MemoryBudget(stored.f32Bytes(), "test");
        try (LlamaModel whole = LlamaModel.open(dir, Device.cpu(), roomy, ComputeType.F32);
                LlamaModel streamed = LlamaModel.open(dir, Device.cpu(), tight, ComputeType.F32);
                NDManager scope = whole.newScope()) {
            assertFalse(whole.streamed());
            assertTrue(streamed.streamed());
            ForwardOutput expected = whole.forward(whole.tokens(scope, toLongs(batch)), Capture.ALL);
            ForwardOutput actual = streamed.forward(streamed.tokens(scope, toLongs(batch)), Capture.ALL);
            assertClose("logits", expected.logits(), actual.logits());
            for (int l = 0; l <= 3; l++) {
                assertClose("h_" + l, expected.hiddenStates().get(l), actual.hiddenStates().get(l));
            }
            for (int l = 0; l < 3; l++) {
                assertClose("attention " + l, expected.attentionOutputs().get(l), actual.attentionOutputs().get(l));
                assertClose("mlp " + l, expected.mlpActivations().get(l), actual.mlpActivations().get(l));
            }
            assertClose("head", whole.head(expected.hiddenStates().get(3)), streamed.head(actual.hiddenStates().get(3)));

            NDArray tokens = whole.tokens(scope, toLongs(batch));
            assertClose("logits without layer 1", whole.withoutLayer(1).logits(tokens),
                    streamed.withoutLayer(1).logits(tokens));
        }
    }

    @Test
    void sharedModelScoresAndPerplexityAreTheSameStreamed() throws Exception {
        List<TokenWindow> windows = TinyModels.storyWindows(ModelFolder.readConfig(TinyModels.STORIES), 6, 64);
        StoredWeights stored = ModelFolder.open(TinyModels.STORIES);
        MemoryBudget oneLayer = new MemoryBudget(stored.layerF32Bytes(0) + 4L * 64 * 100, "test");
        try (LlamaModel whole = LlamaModel.load(TinyModels.STORIES, Device.cpu());
                LlamaModel streamed = LlamaModel.open(TinyModels.STORIES, Device.cpu(), oneLayer, ComputeType.F32)) {
            assertTrue(streamed.streamed());
            LayerScores expected = Scorer.score(whole, windows.iterator(), 4, null).scores();
            LayerScores actual = Scorer.score(streamed, windows.iterator(), 4, null).scores();
            assertEquals(expected.layers().size(), actual.layers().size());
            for (int i = 0; i < expected.layers().size(); i++) {
                assertRelative(expected.layers().get(i).value(), actual.layers().get(i).value(), "layer score " + i);
            }
            for (int i = 0; i < expected.channels().size(); i++) {
                assertRelative(expected.channels().get(i).value(), actual.channels().get(i).value(), "channel score " + i);
            }
            List<int[]> ids = windows.stream().map(TokenWindow::tokens).toList();
            assertRelative(Perplexity.evaluateWindows(whole, ids, 4).nll(), Perplexity.evaluateWindows(streamed, ids, 4).nll(),
                    "perplexity");
            StrataException held = assertThrows(StrataException.class, streamed::layers);
            assertTrue(held.getMessage().contains("streamed from storage"), held.getMessage());
        }
    }

    @Test
    void aNonFiniteWeightMetMidPassFailsThePassInOneLineNamingIt() {
        Checkpoint cp = TinyModels.random(TinyModels.config(3, 2, true), 12, DType.F32);
        cp.tensor("model.layers.2.mlp.up_proj.weight").floats().put(7, Float.NaN);
        Path dir = tmp.resolve("nan");
        ModelFolder.write(cp, dir);
        StoredWeights stored = ModelFolder.open(dir); // headers are fine: values are read by the pass
        MemoryBudget tight = new MemoryBudget(stored.layerF32Bytes(0) * 2 + 4L * 32 * 61, "test");
        try (LlamaModel streamed = LlamaModel.open(dir, Device.cpu(), tight, ComputeType.F32);
                NDManager scope = streamed.newScope()) {
            StrataException ex = assertThrows(StrataException.class,
                    () -> streamed.logits(streamed.tokens(scope, new long[][] {{1, 2, 3}})));
            assertEquals(dir.resolve("model.safetensors") + ": tensor 'model.layers.2.mlp.up_proj.weight' holds NaN at "
                    + "element 7; the weights are not finite", ex.getMessage());
        }
    }

    @Test
    void aBudgetBelowOneLayerIsRefusedInOneLine() {
        StoredWeights stored = ModelFolder.open(TinyModels.STORIES);
        MemoryBudget tiny = new MemoryBudget(stored.layerF32Bytes(0) / 2, "--memory-budget 100k");
        StrataException ex = assertThrows(StrataException.class,
                () -> LlamaModel.open(TinyModels.STORIES, Device.cpu(), tiny, ComputeType.F32));
        assertEquals(TinyModels.STORIES + ": one decoder layer takes " + MemoryBudget.size(stored.layerF32Bytes(0))
                + " as F32, more than the memory budget " + MemoryBudget.size(stored.layerF32Bytes(0) / 2)
                + " (--memory-budget 100k); raise --memory-budget", ex.getMessage());
        assertEquals("196.50 KiB", MemoryBudget.size(201_216));
        assertEquals("1.50 GiB", MemoryBudget.size(3L << 29));
    }

    @Test
    void budgetsParseAsPeopleWriteThem() {
        assertEquals(6L << 30, MemoryBudget.parse("6g", "--memory-budget").bytes());
        assertEquals(6L << 30, MemoryBudget.parse("6GiB", "--memory-budget").bytes());
        assertEquals(512L << 20, MemoryBudget.parse("512m", "--memory-budget").bytes());
        assertEquals(3L << 29, MemoryBudget.parse("1.5g", "--memory-budget").bytes());
        assertEquals(1000, MemoryBudget.parse("1000", "--memory-budget").bytes());
        StrataException bad = assertThrows(StrataException.class, () -> MemoryBudget.parse("six", "--memory-budget"));
        assertEquals("--memory-budget: 'six' is not a size (expected e.g. 6g, 512m or 6GiB)", bad.getMessage());
        assertEquals(MemoryBudget.directMemoryLimit() / 4 * 3, MemoryBudget.ofThisJvm().bytes());
        MemoryBudget above = new MemoryBudget(MemoryBudget.directMemoryLimit() + 1, "--memory-budget X");
        StrataException over = assertThrows(StrataException.class,
                () -> LlamaModel.open(TinyModels.STORIES, Device.cpu(), above, ComputeType.F32));
        assertTrue(over.getMessage().startsWith("--memory-budget X: ") && over.getMessage().contains(
                "is above this JVM's direct-memory limit"), over.getMessage());
    }

    private static void assertClose(String what, NDArray expected, NDArray actual) {
        ArrayDifference.assertWithin(TOLERANCE, expected, actual, what);
    }

    private static void assertRelative(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= TOLERANCE * Math.abs(expected), what + ": " + expected + " vs " + actual);
    }

    private static int[][] randomTokens(int batch, int seq, int vocab) {
        Random rng = new Random(3);
        int[][] out = new int[batch][seq];
        for (int[] row : out) {
            for (int t = 0; t < seq; t++) {
                row[t] = rng.nextInt(vocab);
            }
        }
        return out;
    }

    private static long[][] toLongs(int[][] batch) {
        long[][] ids = new long[batch.length][];
        for (int b = 0; b < batch.length; b++) {
            ids[b] = java.util.Arrays.stream(batch[b]).asLongStream().toArray();
        }
        return ids;
    }
}
