package dev.strata.pipeline.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.forward.ForwardOutput;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.score.LayerScores.ChannelKind;
import dev.strata.pipeline.score.LayerScores.ChannelScore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * CoMe's channel sensitivity: activation intensity times weight norm. Sums over tokens of |a_j| for every MLP
 * neuron (a = silu(gate x) * up x) and of |o_c| for every attention channel before o_proj, with the model's
 * column norms sum_i |W_down[i, j]| and sum_i |W_o[i, c]| (constants of the model, carried along). An attention
 * KV group g scores the sum over its query heads' channels (query head h belongs to KV head h / n_rep).
 */
public final class ChannelStats implements ScoreAccumulator<ChannelStats> {
    private static final long serialVersionUID = 1L;

    private int layers;
    private int kvHeads;
    private int groupChannels;
    private long tokens;
    private double[][] mlp;
    private double[][] attention;
    private double[][] downNorms;
    private double[][] outNorms;

    private ChannelStats() {
    }

    /** No data and no model yet: the identity of {@link #merge}. */
    public static ChannelStats empty() {
        return new ChannelStats();
    }

    /** Empty statistics for {@code model}, with its weight column norms. */
    public static ChannelStats forModel(LlamaModel model) {
        LlamaConfig c = model.config();
        ChannelStats s = new ChannelStats();
        s.layers = c.numLayers();
        s.kvHeads = c.numKvHeads();
        s.groupChannels = c.numRep() * c.headDim();
        s.mlp = new double[s.layers][c.intermediateSize()];
        s.attention = new double[s.layers][c.numHeads() * c.headDim()];
        s.downNorms = new double[s.layers][];
        s.outNorms = new double[s.layers][];
        for (int l = 0; l < s.layers; l++) {
            try (NDManager weights = model.newScope()) {
                s.downNorms[l] = columnAbsSums(model.openWeight(l, LayerTensor.DOWN_PROJ, weights));
            }
            try (NDManager weights = model.newScope()) {
                s.outNorms[l] = columnAbsSums(model.openWeight(l, LayerTensor.O_PROJ, weights));
            }
        }
        return s;
    }

    /**
     * sum_i |W[i, j]| for every column j, in double. Weights are shared by concurrent tasks: they are read through a
     * view in a scope of this call, never re-attached.
     */
    private static double[] columnAbsSums(NDArray weight) {
        try (NDManager scope = weight.getManager().newSubManager()) {
            NDArray view = weight.get(scope, new NDIndex(":"));
            return view.toType(DataType.FLOAT64, false).abs().sum(new int[] {0}).toDoubleArray();
        }
    }

    @Override
    public void add(ForwardOutput batch) {
        if (mlp == null) {
            throw new IllegalStateException("channel statistics must be created for a model (forModel)");
        }
        if (batch.mlpActivations().size() != layers || batch.attentionOutputs().size() != layers) {
            throw new IllegalArgumentException("channel statistics need the MLP activations and attention outputs of "
                    + layers + " layers");
        }
        long[] shape = batch.mlpActivations().get(0).getShape().getShape();
        for (int l = 0; l < layers; l++) {
            addAbsSums(mlp[l], batch.mlpActivations().get(l));
            addAbsSums(attention[l], batch.attentionOutputs().get(l));
        }
        tokens += shape[0] * shape[1];
    }

    /** Adds sum over batch and positions of |x| to {@code sums}. */
    private static void addAbsSums(double[] sums, NDArray x) {
        try (NDManager scope = x.getManager().newSubManager()) {
            x.tempAttach(scope);
            double[] v = x.toType(DataType.FLOAT64, false).abs().sum(new int[] {0, 1}).toDoubleArray();
            for (int i = 0; i < v.length; i++) {
                sums[i] += v[i];
            }
        }
    }

    @Override
    public ChannelStats merge(ChannelStats other) {
        if (other.mlp == null) {
            return this;
        }
        if (mlp == null) {
            layers = other.layers;
            kvHeads = other.kvHeads;
            groupChannels = other.groupChannels;
            mlp = new double[layers][other.mlp[0].length];
            attention = new double[layers][other.attention[0].length];
            downNorms = other.downNorms;
            outNorms = other.outNorms;
        } else if (!Arrays.deepEquals(downNorms, other.downNorms) || !Arrays.deepEquals(outNorms, other.outNorms)) {
            throw new StrataException("channel statistics of different models cannot be combined");
        }
        for (int l = 0; l < layers; l++) {
            for (int j = 0; j < mlp[l].length; j++) {
                mlp[l][j] += other.mlp[l][j];
            }
            for (int c = 0; c < attention[l].length; c++) {
                attention[l][c] += other.attention[l][c];
            }
        }
        tokens += other.tokens;
        return this;
    }

    public long tokens() {
        return tokens;
    }

    /** Sensitivity of every MLP neuron and every attention KV group of every layer. */
    public List<ChannelScore> channelScores() {
        if (tokens == 0) {
            throw new StrataException("no calibration tokens were scored");
        }
        List<ChannelScore> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (int j = 0; j < mlp[l].length; j++) {
                out.add(new ChannelScore(l, ChannelKind.MLP, j, mlp[l][j] / tokens * downNorms[l][j]));
            }
            for (int g = 0; g < kvHeads; g++) {
                double s = 0;
                for (int c = g * groupChannels; c < (g + 1) * groupChannels; c++) {
                    s += attention[l][c] / tokens * outNorms[l][c];
                }
                out.add(new ChannelScore(l, ChannelKind.ATTENTION, g, s));
            }
        }
        return out;
    }
}
