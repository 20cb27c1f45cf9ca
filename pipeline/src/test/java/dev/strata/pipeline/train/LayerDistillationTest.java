package dev.strata.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.forward.Attention;
import dev.strata.pipeline.forward.Capture;
import dev.strata.pipeline.forward.DecoderLayer;
import dev.strata.pipeline.forward.Devices;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.forward.Mlp;
import dev.strata.pipeline.forward.RmsNorm;
import dev.strata.pipeline.forward.Rope;
import dev.strata.pipeline.testing.TinyModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Autograd through a decoder layer against finite differences, and layer distillation on the real model. */
class LayerDistillationTest {
    private static final int HIDDEN = 16;
    private static final int FF = 24;
    private static final int HEADS = 4;
    private static final int KV = 2;
    private static final int HEAD_DIM = 4;
    private static final long[][] SHAPES = {{HIDDEN}, {HEADS * HEAD_DIM, HIDDEN}, {KV * HEAD_DIM, HIDDEN},
        {KV * HEAD_DIM, HIDDEN}, {HIDDEN, HEADS * HEAD_DIM}, {HIDDEN}, {FF, HIDDEN}, {FF, HIDDEN}, {HIDDEN, FF}};

    @Test
    void autogradGradientsOfTheLayerMseEqualFiniteDifferences() {
        Random rng = new Random(42);
        List<double[]> weights = new ArrayList<>();
        for (long[] shape : SHAPES) {
            int n = (int) (shape.length == 1 ? shape[0] : shape[0] * shape[1]);
            double[] w = new double[n];
            for (int i = 0; i < n; i++) {
                w[i] = shape.length == 1 ? 1 + 0.1 * rng.nextGaussian() : 0.4 * rng.nextGaussian();
            }
            weights.add(w);
        }
        int seq = 5;
        double[] x = rng.doubles(seq * HIDDEN, -1, 1).toArray();
        double[] target = rng.doubles(seq * HIDDEN, -1, 1).toArray();
        try (NDManager m = NDManager.newBaseManager(Devices.engine().getEngineName())) {
            Rope rope = new Rope(m, HEAD_DIM, 16, 10000);
            List<NDArray> params = new ArrayList<>();
            DecoderLayer layer = layer(m, weights, params);
            for (NDArray p : params) {
                Autograd.track(p);
            }
            try (Autograd rec = Autograd.record()) {
                rec.backward(loss(m, layer, rope, x, target, seq));
            }
            int checked = 0;
            for (int t = 0; t < SHAPES.length; t++) {
                double[] grad = params.get(t).getGradient().toDoubleArray();
                for (int k = 0; k < 4; k++) {
                    int i = rng.nextInt(grad.length);
                    double h = 1e-6;
                    double saved = weights.get(t)[i];
                    weights.get(t)[i] = saved + h;
                    double up = loss(m, layer(m, weights, new ArrayList<>()), rope, x, target, seq).getDouble();
                    weights.get(t)[i] = saved - h;
                    double down = loss(m, layer(m, weights, new ArrayList<>()), rope, x, target, seq).getDouble();
                    weights.get(t)[i] = saved;
                    double numeric = (up - down) / (2 * h);
                    assertEquals(numeric, grad[i], 1e-7 + 1e-5 * Math.abs(numeric), "tensor " + t + " element " + i);
                    checked++;
                }
            }
            assertEquals(36, checked);
        }
    }

    private static NDArray loss(NDManager m, DecoderLayer layer, Rope rope, double[] x, double[] target, int seq) {
        NDArray input = m.create(x, new Shape(1, seq, HIDDEN));
        NDArray out = layer.forward(input, rope.tables(m, seq), LlamaModel.causalMask(m, seq), Capture.NONE).hidden();
        return out.sub(m.create(target, new Shape(1, seq, HIDDEN))).pow(2).mean();
    }

    /** A float64 layer from plain weights; the arrays are added to {@code params} in checkpoint order. */
    private static DecoderLayer layer(NDManager m, List<double[]> w, List<NDArray> params) {
        for (int t = 0; t < SHAPES.length; t++) {
            params.add(m.create(w.get(t), new Shape(SHAPES[t])));
        }
        return new DecoderLayer(new RmsNorm(params.get(0), 1e-5f),
                new Attention(params.get(1), params.get(2), params.get(3), params.get(4), HEADS, KV, HEAD_DIM),
                new RmsNorm(params.get(5), 1e-5f), new Mlp(params.get(6), params.get(7), params.get(8)));
    }

    @Test
    void trainingALayerToStandForTwoLowersItsLossOnTheRealModel() throws Exception {
        try (LlamaModel teacher = LlamaModel.load(TinyModels.STORIES, ai.djl.Device.cpu())) {
            List<TokenWindow> windows = TinyModels.storyWindows(teacher.config(), 24, 64);
            // the student layer starts as teacher layer 2 and must stand for layers 2 and 3
            DecoderLayer init = teacher.layers().get(2);
            TrainSettings s = new TrainSettings(2e-3, 2e-4, 1e-3, 5, 4, 4);
            double before = mse(teacher, init, windows);
            try (TrainedLayer r = LayerDistillation.train(teacher, init, TrainableLayers.Part.WHOLE_LAYER, 2, 4, windows::iterator, s,
                    s.steps(windows.size()), "distill")) {
                assertEquals(24, r.steps());
                double firstBatch = mse(teacher, init, windows.subList(0, 4));
                assertEquals(firstBatch, r.firstLoss(), 1e-5 * firstBatch, "the first step's loss is the untrained layer's");
                double after = mse(teacher, r.layer(), windows);
                assertTrue(after < 0.8 * before, "MSE " + before + " -> " + after);
                // the teacher's own layer is untouched
                assertEquals(before, mse(teacher, init, windows), 1e-6 * before);
            }
        }
    }

    private static double mse(LlamaModel teacher, DecoderLayer layer, List<TokenWindow> windows) {
        try (NDManager scope = teacher.newScope()) {
            NDArray tokens = teacher.tokens(scope, windows.stream().map(TokenWindow::tokens).toList());
            List<NDArray> h = teacher.forward(tokens, Capture.HIDDEN).hiddenStates();
            int seq = (int) tokens.getShape().get(1);
            NDArray out = layer.forward(h.get(2), teacher.rope().tables(scope, seq), LlamaModel.causalMask(scope, seq),
                    Capture.NONE).hidden();
            return out.sub(h.get(4)).pow(2).mean().getFloat();
        }
    }
}
