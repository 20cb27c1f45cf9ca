package dev.strata.pipeline.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.forward.ComputeType;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.forward.MemoryBudget;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.StoredWeights;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.LayerScores.BlockScore;
import dev.strata.pipeline.score.Metric;
import dev.strata.pipeline.testing.LeastSquares;
import dev.strata.pipeline.testing.ReferenceLlama;
import dev.strata.pipeline.testing.TinyModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ReplaceMe against plain computations on a tiny random model: the normal equations its Spark partitions sum equal
 * those of the double-precision reference forward pass; the Cholesky solve equals least squares by Householder QR
 * (with and without ridge); the folded model's hidden state after the layer before the block is the block's linear
 * replacement, h_s - M + M T; the block choice follows its metric.
 */
class ReplaceMeTest {
    private static final int START = 1;
    private static final int LENGTH = 2;
    private final LlamaConfig config = TinyModels.config(4, 2, true); // hidden 32, MLP 48
    private final Checkpoint checkpoint = TinyModels.random(config, 11, DType.F32);
    private final List<TokenWindow> windows = windows(12, 16);
    private final int d = config.hiddenSize();

    private static List<TokenWindow> windows(int count, int seq) {
        Random rng = new Random(3);
        List<TokenWindow> out = new ArrayList<>();
        for (int w = 0; w < count; w++) {
            int[] tokens = new int[seq];
            for (int t = 0; t < seq; t++) {
                tokens[t] = 1 + rng.nextInt(60);
            }
            out.add(new TokenWindow(w, (long) w * seq, tokens));
        }
        return out;
    }

    /** Per calibration token (rows): M, the MLP output of layer START - 1, and Y = h_{START+LENGTH} + M - h_START. */
    private double[][][] referenceRows() {
        ReferenceLlama reference = new ReferenceLlama(checkpoint, false);
        double[][] down = matrix(checkpoint, LayerTensor.DOWN_PROJ.name(START - 1), d, config.intermediateSize());
        List<double[]> m = new ArrayList<>();
        List<double[]> y = new ArrayList<>();
        for (TokenWindow w : windows) {
            ReferenceLlama.Trace trace = reference.forward(w.tokens());
            for (int t = 0; t < w.tokens().length; t++) {
                double[] out = new double[d];
                double[] a = trace.mlp()[START - 1][t];
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < a.length; j++) {
                        out[i] += down[i][j] * a[j];
                    }
                }
                double[] target = new double[d];
                for (int i = 0; i < d; i++) {
                    target[i] = trace.hidden()[START + LENGTH][t][i] + out[i] - trace.hidden()[START][t][i];
                }
                m.add(out);
                y.add(target);
            }
        }
        return new double[][][] {m.toArray(double[][]::new), y.toArray(double[][]::new)};
    }

    private static double[][] matrix(Checkpoint cp, String name, int rows, int cols) {
        float[] v = cp.tensor(name).toFloatArray();
        double[][] out = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i][j] = v[i * cols + j];
            }
        }
        return out;
    }

    private ReplaceMe.NormalEquations sums(LlamaModel model, List<TokenWindow> batch) {
        ReplaceMe.NormalEquations s = new ReplaceMe.NormalEquations(START, LENGTH, d);
        s.add(model, batch);
        return s;
    }

    @Test
    void theDistributedSumsAreTheNormalEquationsOfThePlainComputation() {
        double[][][] rows = referenceRows();
        try (LlamaModel model = LlamaModel.fromCheckpoint(checkpoint, Device.cpu())) {
            // two partitions merged = one pass over every window
            ReplaceMe.NormalEquations merged = sums(model, windows.subList(0, 5)).merge(sums(model, windows.subList(5, 12)));
            ReplaceMe.NormalEquations whole = sums(model, windows);
            assertEquals(windows.size() * 16L, merged.tokens);
            for (int i = 0; i < d * d; i++) {
                assertEquals(whole.mtm[i], merged.mtm[i], 1e-9 * (1 + Math.abs(whole.mtm[i])));
                assertEquals(whole.mty[i], merged.mty[i], 1e-9 * (1 + Math.abs(whole.mty[i])));
            }
            double scale = 0;
            for (int i = 0; i < d * d; i++) {
                scale = Math.max(scale, Math.abs(whole.mtm[i]));
            }
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    double mtm = 0;
                    double mty = 0;
                    for (int r = 0; r < rows[0].length; r++) {
                        mtm += rows[0][r][i] * rows[0][r][j];
                        mty += rows[0][r][i] * rows[1][r][j];
                    }
                    // the model runs in float32, the reference in double
                    assertEquals(mtm, whole.mtm[i * d + j], 1e-4 * scale, "M'M " + i + "," + j);
                    assertEquals(mty, whole.mty[i * d + j], 1e-4 * scale, "M'Y " + i + "," + j);
                }
            }
        }
    }

    @Test
    void theCholeskySolveIsTheLeastSquaresSolutionWithAndWithoutRidge() {
        double[][][] rows = referenceRows();
        double[][] m = rows[0];
        double[][] y = rows[1];
        for (double alpha : new double[] {0, 0.5}) {
            double[] mtm = new double[d * d];
            double[] mty = new double[d * d];
            for (int r = 0; r < m.length; r++) {
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < d; j++) {
                        mtm[i * d + j] += m[r][i] * m[r][j];
                        mty[i * d + j] += m[r][i] * y[r][j];
                    }
                }
            }
            for (int i = 0; i < d; i++) {
                mtm[i * d + i] += alpha;
            }
            double[] t = ReplaceMe.solve(mtm, mty, d);
            // ridge as least squares: [M; sqrt(alpha) I] T = [Y; 0]
            double[][] a = new double[m.length + d][];
            double[][] b = new double[m.length + d][];
            for (int r = 0; r < m.length; r++) {
                a[r] = m[r];
                b[r] = y[r];
            }
            for (int i = 0; i < d; i++) {
                a[m.length + i] = new double[d];
                a[m.length + i][i] = Math.sqrt(alpha);
                b[m.length + i] = new double[d];
            }
            double[][] expected = LeastSquares.solve(alpha == 0 ? m : a, alpha == 0 ? y : b);
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    assertEquals(expected[i][j], t[i * d + j], 1e-6 * (1 + Math.abs(expected[i][j])),
                            "alpha " + alpha + ", T[" + i + "][" + j + "]");
                }
            }
        }
        double[] singular = new double[d * d]; // rank one: every row the same direction
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                singular[i * d + j] = 1;
            }
        }
        assertThrows(ArithmeticException.class, () -> ReplaceMe.solve(singular, singular, d));
    }

    /**
     * A model larger than its budget: the sums read each layer from storage when its step comes (the budget holds one
     * layer) and equal those of the model held whole; the folded model is written from the stored files tensor by
     * tensor and equals the one made from the held checkpoint.
     */
    @Test
    void aStreamedModelGivesTheSameSumsAndFoldedModel(@TempDir Path tmp) {
        Path dir = tmp.resolve("model");
        ModelFolder.write(checkpoint, dir, 20_000);
        StoredWeights stored = ModelFolder.open(dir);
        MemoryBudget oneLayer = new MemoryBudget(stored.layerF32Bytes(0) + 4L * d * 70, "test");
        ReplaceMe.NormalEquations held;
        ReplaceMe.NormalEquations streamedSums;
        try (LlamaModel model = LlamaModel.fromCheckpoint(checkpoint, Device.cpu());
                LlamaModel streamed = LlamaModel.open(dir, Device.cpu(), oneLayer, ComputeType.F32)) {
            assertTrue(streamed.streamed());
            held = sums(model, windows);
            streamedSums = sums(streamed, windows);
        }
        assertEquals(held.tokens, streamedSums.tokens);
        for (int i = 0; i < d * d; i++) {
            assertEquals(held.mtm[i], streamedSums.mtm[i], 1e-9 * (1 + Math.abs(held.mtm[i])), "M'M " + i);
            assertEquals(held.mty[i], streamedSums.mty[i], 1e-9 * (1 + Math.abs(held.mty[i])), "M'Y " + i);
        }
        double[] t = ReplaceMe.solve(held.ridged(0), held.mty, d);
        Checkpoint fromHeld = Checkpoint.of(ReplaceMe.apply(checkpoint, START, LENGTH, t));
        Checkpoint fromFiles = Checkpoint.of(ReplaceMe.apply(stored, START, LENGTH, t));
        assertEquals(fromHeld.tensors().keySet(), fromFiles.tensors().keySet());
        fromHeld.tensors().forEach((name, tensor) -> assertArrayEquals(tensor.toFloatArray(),
                fromFiles.tensor(name).toFloatArray(), name));
    }

    @Test
    void theFoldedLayerOutputsTheBlocksLinearReplacement() {
        double[] t;
        try (LlamaModel model = LlamaModel.fromCheckpoint(checkpoint, Device.cpu())) {
            ReplaceMe.NormalEquations s = sums(model, windows);
            t = ReplaceMe.solve(s.ridged(0), s.mty, d);
        }
        Checkpoint folded = Checkpoint.of(ReplaceMe.apply(checkpoint, START, LENGTH, t));
        assertEquals(config.numLayers() - LENGTH, folded.config().numLayers());
        // every weight but layer START-1's down_proj is the original's; the layers after the block move up
        for (LayerTensor kind : LayerTensor.of(config)) {
            if (kind != LayerTensor.DOWN_PROJ) {
                assertArrayEquals(checkpoint.tensor(kind.name(START - 1)).toFloatArray(),
                        folded.tensor(kind.name(START - 1)).toFloatArray(), kind.name(START - 1));
            }
            assertArrayEquals(checkpoint.tensor(kind.name(START + LENGTH)).toFloatArray(),
                    folded.tensor(kind.name(START)).toFloatArray(), kind.name(START + LENGTH));
        }
        ReferenceLlama original = new ReferenceLlama(checkpoint, false);
        ReferenceLlama replaced = new ReferenceLlama(folded, false);
        double[][] down = matrix(checkpoint, LayerTensor.DOWN_PROJ.name(START - 1), d, config.intermediateSize());
        double worst = 0;
        double errorBefore = 0;
        double errorAfter = 0;
        for (TokenWindow w : windows.subList(0, 4)) {
            ReferenceLlama.Trace before = original.forward(w.tokens());
            ReferenceLlama.Trace after = replaced.forward(w.tokens());
            for (int tok = 0; tok < w.tokens().length; tok++) {
                double[] a = before.mlp()[START - 1][tok];
                double[] m = new double[d];
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < a.length; j++) {
                        m[i] += down[i][j] * a[j];
                    }
                }
                double norm = 0;
                for (int j = 0; j < d; j++) {
                    double mt = 0;
                    for (int i = 0; i < d; i++) {
                        mt += m[i] * t[i * d + j];
                    }
                    double expected = before.hidden()[START][tok][j] - m[j] + mt;
                    double got = after.hidden()[START][tok][j];
                    worst = Math.max(worst, Math.abs(expected - got));
                    norm = Math.max(norm, Math.abs(expected));
                    double target = before.hidden()[START + LENGTH][tok][j];
                    errorBefore += Math.pow(before.hidden()[START][tok][j] - target, 2);
                    errorAfter += Math.pow(got - target, 2);
                }
                assertTrue(worst <= 1e-4 * (1 + norm), "token " + tok + ": " + worst);
            }
        }
        // on the tokens it was fitted on, the map brings the layer's output closer to the block's than dropping it
        assertTrue(errorAfter < errorBefore, errorAfter + " vs " + errorBefore);
    }

    @Test
    void theBlockFollowsItsMetricAndNeedsALayerBeforeIt() {
        List<BlockScore> blocks = new ArrayList<>();
        double[] cosine = {0.99, 0.7, 0.9, 0.9};
        double[] angularLast = {0.01, 0.3, 0.2, 0.1};
        double[] angularAll = {0.0, 0.05, 0.4, 0.3};
        for (int s = 0; s < 4; s++) {
            blocks.add(new BlockScore(s, 1, Metric.COSINE, cosine[s]));
            blocks.add(new BlockScore(s, 1, Metric.ANGULAR_LAST, angularLast[s]));
            blocks.add(new BlockScore(s, 1, Metric.ANGULAR_ALL, angularAll[s]));
        }
        LayerScores scores = new LayerScores(List.of(), blocks, List.of(), 1, 1);
        // block 0 is best by every metric but has no layer before it; cosine ties between 2 and 3 go to 2
        assertEquals(2, ReplaceMe.block(scores, 4, 1, ReplaceMe.BlockMetric.COSINE, "--layers").start());
        assertEquals(3, ReplaceMe.block(scores, 4, 1, ReplaceMe.BlockMetric.ANGULAR_LAST, "--layers").start());
        assertEquals(1, ReplaceMe.block(scores, 4, 1, ReplaceMe.BlockMetric.ANGULAR_ALL, "--layers").start());
        assertEquals(0.05, ReplaceMe.block(scores, 4, 1, ReplaceMe.BlockMetric.ANGULAR_ALL, "--layers").score());
    }
}
