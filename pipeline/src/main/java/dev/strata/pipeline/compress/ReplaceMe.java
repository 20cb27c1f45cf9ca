package dev.strata.pipeline.compress;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.forward.Capture;
import dev.strata.pipeline.forward.DecoderLayer;
import dev.strata.pipeline.forward.Devices;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.forward.Rope;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.Tensor;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.Metric;
import dev.strata.pipeline.score.WindowStatistic;
import dev.strata.pipeline.settings.Param;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.surgery.LayerAssembly;
import dev.strata.pipeline.util.Choices;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * ReplaceMe (Shopkhoev et al. 2025), training-free: the block of n layers [s, s+n) whose input and output hidden
 * states are most alike is removed, and a linear map T (d x d) takes its place, folded into the down_proj of layer
 * s-1 so that the result is a standard Llama with n fewer layers and no new parameters. With M the MLP output of
 * layer s-1 (the term it adds to the residual stream) and Y = h_{s+n} + M - h_s, T minimises ||M T - Y||^2 (+ ridge
 * alpha ||T||^2) over every calibration token: layer s-1's output becomes h_s - M + M T, which is h_{s+n} as nearly
 * as a linear map of M can make it. Every Spark partition adds its M'M and M'Y (in double), the driver solves
 * (M'M + alpha I) T = M'Y once by Cholesky, and W_down becomes T' W_down.
 */
public final class ReplaceMe implements CompressionMethod {
    /** Which block score chooses the block. */
    public enum BlockMetric {
        /** The highest mean cos(h_s, h_{s+n}) over all tokens (LLM-Streamline's choice). */
        COSINE(Metric.COSINE, true),
        /** The lowest mean angular distance on each window's last token (the reference implementation's choice). */
        ANGULAR_LAST(Metric.ANGULAR_LAST, false),
        /** The lowest mean angular distance over all tokens. */
        ANGULAR_ALL(Metric.ANGULAR_ALL, false);

        private final Metric metric;
        private final boolean highestWins;

        BlockMetric(Metric metric, boolean highestWins) {
            this.metric = metric;
            this.highestWins = highestWins;
        }
    }

    public static final Param<BlockMetric> BLOCK_METRIC = Param.choice("block_metric", BlockMetric.values(),
            BlockMetric.COSINE, "Which block is removed: cosine (highest), angular-last or angular-all (lowest).");
    public static final Param<Double> RIDGE = Param.number("ridge", 0.0,
            "alpha of the ridge term, added to M'M (a sum over tokens); 0: plain least squares.").label("A")
            .check(Param.nonNegative());
    private static final Params PARAMS = SizeTarget.PARAMS.and(BLOCK_METRIC, RIDGE);

    @Override
    public String name() {
        return "replaceme";
    }

    @Override
    public String summary() {
        return "ReplaceMe: remove the most redundant block and fold a least-squares linear map into the layer before "
                + "it; no training.";
    }

    @Override
    public Params params() {
        return PARAMS;
    }

    @Override
    public Set<Need> needs(Settings settings) {
        return EnumSet.of(Need.WINDOWS, Need.SCORES);
    }

    @Override
    public void check(Settings s, LlamaConfig model) {
        SizeTarget.removals(s, model, SizeTarget.wholeLayers(model));
    }

    @Override
    public String describe(Settings s) {
        return "ReplaceMe (" + Choices.id(s.get(BLOCK_METRIC)) + " block choice"
                + (s.get(RIDGE) > 0 ? ", ridge " + s.get(RIDGE) : "") + "): the block is removed and a linear map, "
                + "fitted by least squares on the calibration tokens, is folded into the down_proj of the layer "
                + "before it; nothing is trained.";
    }

    @Override
    public List<Product> compress(CompressionRun run, Settings s) {
        LlamaConfig config = run.config();
        int n = config.numLayers();
        List<Product> out = new ArrayList<>();
        for (int length : SizeTarget.removals(s, config, SizeTarget.wholeLayers(config))) {
            StoredModel model = run.model((n - length) + "L", () -> replace(run, s, length));
            ObjectNode step = model.plan().steps().get(0).parameters();
            int start = step.get("start").asInt();
            out.add(Product.of("replaceme " + (n - length) + "L", model, true, String.format(
                    "layers %d..%d (%s %.5f) removed, a linear map folded into layer %d", start, start + length - 1,
                    step.get("block_metric").asText(), step.get("block_score").asDouble(), start - 1), config));
        }
        return out;
    }

    private Compressed replace(CompressionRun run, Settings s, int length) {
        LlamaConfig config = run.config();
        BlockMetric metric = s.get(BLOCK_METRIC);
        LayerBlock block = block(run.originalScores(), config.numLayers(), length, metric, s.name(SizeTarget.LAYERS));
        int start = block.start();
        int d = config.hiddenSize();
        NormalEquations sums = run.accumulate(run.original().address(), m -> new NormalEquations(start, length, d));
        double[] t;
        try {
            t = solve(sums.ridged(s.get(RIDGE)), sums.mty, d);
        } catch (ArithmeticException ex) {
            throw new StrataException("replaceme: M'M is singular (the MLP outputs of layer " + (start - 1) + " span "
                    + "fewer than " + d + " directions on the calibration tokens); run again with " + s.name(RIDGE)
                    + " above 0 (in another run folder if sizes were made here without it)");
        }
        ModelWeights original = run.open(run.original().address());
        ObjectNode step = JsonNodeFactory.instance.objectNode();
        step.put("start", start);
        step.put("length", length);
        step.put("block_metric", Choices.id(metric));
        step.put("block_score", block.score());
        step.put("ridge", s.get(RIDGE));
        step.put("tokens", sums.tokens);
        LayerOrigin folded = LayerOrigin.forBlock(LayerOrigin.Kind.LINEAR_FOLD,
                IntStream.range(start - 1, start + length).boxed().toList(), LayerOrigin.all(config.numKvHeads()),
                LayerOrigin.all(config.intermediateSize()));
        return new Compressed(apply(original, start, length, t),
                run.original().plan().replace(start - 1, length + 1, folded, name(), step));
    }

    /**
     * {@code original} without layers [start, start + length), the map {@code t} folded into layer start - 1: a view
     * whose layers are read from the original when written (a model of any size), the folded down_proj computed then.
     */
    static LayerAssembly apply(ModelWeights original, int start, int length, double[] t) {
        int d = original.config().hiddenSize();
        List<LayerAssembly.Layer> layers = new ArrayList<>();
        for (int l = 0; l < original.config().numLayers(); l++) {
            int layer = l;
            if (l == start - 1) {
                layers.add(new LayerAssembly.Computed(original, layer, kind -> kind == LayerTensor.DOWN_PROJ
                        ? fold(t, d, original.load(kind.name(layer))) : original.load(kind.name(layer))));
            } else if (l < start || l >= start + length) {
                layers.add(new LayerAssembly.Kept(original, l));
            }
        }
        return new LayerAssembly(original, layers);
    }

    /** The block of {@code length} the metric prefers among those with a layer before them. */
    static LayerBlock block(LayerScores scores, int layers, int length, BlockMetric metric, String option) {
        return LayerBlock.choose(scores, layers, length, metric.metric, metric.highestWins, 1, option);
    }

    /**
     * Sums over calibration tokens of M'M and M'Y (row-major d x d, in double), M the MLP output of layer s-1 and
     * Y = h_{s+n} + M - h_s, each token a row.
     */
    static final class NormalEquations implements WindowStatistic<NormalEquations> {
        private static final long serialVersionUID = 1L;
        private static final Capture MLP_ONLY = new Capture(false, false, true, false, false);
        private final int start;
        private final int length;
        private final int d;
        final double[] mtm;
        final double[] mty;
        long tokens;

        NormalEquations(int start, int length, int d) {
            this.start = start;
            this.length = length;
            this.d = d;
            this.mtm = new double[d * d];
            this.mty = new double[d * d];
        }

        /**
         * Runs the layers up to the block's end, keeping only what the fit needs (the input of layer s-1, its MLP
         * activation, h_s and the running state), so memory holds a few hidden states, not one per layer. Each
         * layer is opened for its own step: a streamed model reads it then and frees it after.
         */
        @Override
        public void add(LlamaModel model, List<TokenWindow> batch) {
            try (NDManager scope = model.newScope()) {
                NDArray ids = model.tokens(scope, batch.stream().map(TokenWindow::tokens).toList());
                int seq = (int) ids.getShape().get(1);
                Rope.Tables rope = model.rope().tables(scope, seq);
                NDArray mask = LlamaModel.causalMask(scope, seq);
                NDArray input = inputOf(model, start - 1, ids);
                NDArray m;
                NDArray x;
                try (NDManager weights = scope.newSubManager()) {
                    DecoderLayer folded = model.openLayer(start - 1, weights);
                    DecoderLayer.Output before = folded.forward(input, rope, mask, MLP_ONLY);
                    m = Linear.linear(before.mlpActivation(), folded.mlp().down()).singletonOrThrow()
                            .reshape(-1, d).toType(DataType.FLOAT64, false);
                    x = before.hidden();
                    m.attach(scope);
                    x.attach(scope);
                }
                NDArray hs = rows(x);
                for (int l = start; l < start + length; l++) {
                    try (NDManager weights = scope.newSubManager()) {
                        NDArray next = model.openLayer(l, weights).forward(x, rope, mask, Capture.NONE).hidden();
                        next.attach(scope);
                        x.close();
                        x = next;
                    }
                }
                NDArray y = rows(x).sub(hs).add(m);
                NDArray mt = m.transpose();
                addTo(mtm, mt.matMul(m));
                addTo(mty, mt.matMul(y));
                this.tokens += m.getShape().get(0);
            }
        }

        /** h_layer, the input of layer {@code layer} (the embeddings for layer 0), held or streamed alike. */
        private static NDArray inputOf(LlamaModel model, int layer, NDArray tokens) {
            if (layer == 0) {
                return model.firstLayers(1).forward(tokens, Capture.HIDDEN).hiddenStates().get(0);
            }
            return model.firstLayers(layer).forward(tokens, Capture.LAST_HIDDEN).lastHidden();
        }

        private NDArray rows(NDArray hidden) {
            return hidden.reshape(-1, d).toType(DataType.FLOAT64, false);
        }

        private static void addTo(double[] sums, NDArray values) {
            double[] v = values.toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                sums[i] += v[i];
            }
        }

        @Override
        public NormalEquations merge(NormalEquations other) {
            for (int i = 0; i < mtm.length; i++) {
                mtm[i] += other.mtm[i];
                mty[i] += other.mty[i];
            }
            tokens += other.tokens;
            return this;
        }

        /** M'M + alpha I. */
        double[] ridged(double alpha) {
            double[] a = mtm.clone();
            for (int i = 0; i < d; i++) {
                a[i * d + i] += alpha;
            }
            return a;
        }
    }

    /**
     * X with A X = B, A symmetric positive definite (d x d, row-major), by Cholesky: A = L L', then L Z = B and
     * L' X = Z, row by row.
     *
     * @throws ArithmeticException when A is not positive definite
     */
    static double[] solve(double[] a, double[] b, int d) {
        double[] l = new double[d * d];
        for (int j = 0; j < d; j++) {
            double diagonal = a[j * d + j] - dot(l, j * d, j * d, j);
            if (!(diagonal > 1e-12 * Math.abs(a[j * d + j]))) { // a rounding residue is no pivot
                throw new ArithmeticException("not positive definite at row " + j);
            }
            double ljj = Math.sqrt(diagonal);
            l[j * d + j] = ljj;
            for (int i = j + 1; i < d; i++) {
                l[i * d + j] = (a[i * d + j] - dot(l, i * d, j * d, j)) / ljj;
            }
        }
        double[] z = new double[d * d];
        for (int i = 0; i < d; i++) {
            System.arraycopy(b, i * d, z, i * d, d);
            for (int k = 0; k < i; k++) {
                axpy(-l[i * d + k], z, k * d, z, i * d, d);
            }
            scale(z, i * d, d, 1 / l[i * d + i]);
        }
        for (int i = d - 1; i >= 0; i--) {
            for (int k = i + 1; k < d; k++) {
                axpy(-l[k * d + i], z, k * d, z, i * d, d);
            }
            scale(z, i * d, d, 1 / l[i * d + i]);
        }
        return z;
    }

    private static double dot(double[] x, int xFrom, int yFrom, int n) {
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += x[xFrom + k] * x[yFrom + k];
        }
        return sum;
    }

    private static void axpy(double alpha, double[] x, int xFrom, double[] y, int yFrom, int n) {
        for (int k = 0; k < n; k++) {
            y[yFrom + k] += alpha * x[xFrom + k];
        }
    }

    private static void scale(double[] x, int from, int n, double factor) {
        for (int k = 0; k < n; k++) {
            x[from + k] *= factor;
        }
    }

    /** T' W_down (in double, stored in W_down's type): the MLP of layer s-1 then outputs M T. */
    static Tensor fold(double[] t, int d, Tensor down) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), Devices.engine().getEngineName())) {
            NDArray transposed = m.create(t, new Shape(d, d)).transpose();
            NDArray w = m.create(down.toFloatArray(), new Shape(down.shape())).toType(DataType.FLOAT64, false);
            float[] folded = transposed.matMul(w).toType(DataType.FLOAT32, false).toFloatArray();
            return Tensor.of(down.name(), down.dtype(), down.shape(), folded);
        }
    }
}
