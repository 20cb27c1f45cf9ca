package dev.strata.pipeline.score;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.forward.ForwardOutput;
import dev.strata.pipeline.score.LayerScores.BlockScore;
import dev.strata.pipeline.score.LayerScores.LayerScore;
import java.util.ArrayList;
import java.util.List;

/**
 * Sums over tokens of the cosine and the angular distance between every pair of layer boundaries (h_0 .. h_L),
 * and of each boundary's norm. Block Influence, block cosine, pair-skip angular distance and the mean hidden
 * norm all derive from them. Per token, the boundaries' unit vectors form a Gram matrix, computed in double in
 * chunks of tokens so that temporaries stay bounded however long the batch.
 */
public final class HiddenStateStats implements ScoreAccumulator<HiddenStateStats> {
    private static final long serialVersionUID = 1L;
    /** Upper bound on one chunk's double-precision copy of the hidden states. */
    private static final long CHUNK_BYTES = 64L << 20;

    /** L + 1 boundaries, 0 while empty. */
    private int boundaries;
    private long tokens;
    private long sequences;
    /** Row-major [boundaries][boundaries] sums. */
    private double[] cosine;
    private double[] angle;
    private double[] lastAngle;
    private double[] norm;

    private HiddenStateStats() {
    }

    /** No data yet: the identity of {@link #merge}. */
    public static HiddenStateStats empty() {
        return new HiddenStateStats();
    }

    @Override
    public void add(ForwardOutput batch) {
        List<NDArray> hidden = batch.hiddenStates();
        if (hidden.size() < 2) {
            throw new IllegalArgumentException("hidden-state statistics need the captured hidden states h_0..h_L");
        }
        init(hidden.size());
        long[] shape = hidden.get(0).getShape().getShape();
        long sequencesInBatch = shape[0];
        long rows = shape[0] * shape[1];
        long width = shape[2];
        try (NDManager scope = hidden.get(0).getManager().newSubManager()) {
            hidden.forEach(h -> h.tempAttach(scope));
            List<NDArray> flat = hidden.stream().map(h -> h.reshape(rows, width)).toList();
            long chunk = Math.max(1, CHUNK_BYTES / (Double.BYTES * boundaries * width));
            for (long start = 0; start < rows; start += chunk) {
                long end = Math.min(rows, start + chunk);
                NDArray x = stack(flat, new NDIndex("{}:{}", start, end));
                NDArray norms = x.norm(new int[] {2});
                NDArray gram = unitGram(x, norms);
                addTo(cosine, gram.sum(new int[] {0}));
                addTo(angle, angles(gram).sum(new int[] {0}));
                addTo(norm, norms.sum(new int[] {0}));
            }
            NDArray last = stack(hidden, new NDIndex(":, -1, :"));
            addTo(lastAngle, angles(unitGram(last, last.norm(new int[] {2}))).sum(new int[] {0}));
        }
        tokens += rows;
        sequences += sequencesInBatch;
    }

    /** The boundaries' rows selected by {@code index}, stacked as [n, boundaries, width] in double. */
    private static NDArray stack(List<NDArray> arrays, NDIndex index) {
        NDList parts = new NDList();
        arrays.forEach(a -> parts.add(a.get(index)));
        return NDArrays.stack(parts, 1).toType(DataType.FLOAT64, false);
    }

    /** Per row, the cosine of every pair of boundaries: [n, boundaries, boundaries]. */
    private static NDArray unitGram(NDArray x, NDArray norms) {
        NDArray unit = x.div(norms.maximum(Double.MIN_NORMAL).expandDims(2));
        return unit.matMul(unit.transpose(0, 2, 1));
    }

    /** Angular distance arccos(cos) / pi, in [0, 1]. */
    private static NDArray angles(NDArray cos) {
        return cos.clip(-1.0, 1.0).acos().div(Math.PI);
    }

    private static void addTo(double[] sums, NDArray values) {
        double[] v = values.toDoubleArray();
        for (int i = 0; i < v.length; i++) {
            sums[i] += v[i];
        }
    }

    private void init(int count) {
        if (boundaries == 0) {
            boundaries = count;
            cosine = new double[count * count];
            angle = new double[count * count];
            lastAngle = new double[count * count];
            norm = new double[count];
        } else if (boundaries != count) {
            throw new StrataException("hidden-state statistics of models with " + (boundaries - 1) + " and "
                    + (count - 1) + " layers cannot be combined");
        }
    }

    @Override
    public HiddenStateStats merge(HiddenStateStats other) {
        if (other.boundaries == 0) {
            return this;
        }
        init(other.boundaries);
        for (int i = 0; i < cosine.length; i++) {
            cosine[i] += other.cosine[i];
            angle[i] += other.angle[i];
            lastAngle[i] += other.lastAngle[i];
        }
        for (int i = 0; i < norm.length; i++) {
            norm[i] += other.norm[i];
        }
        tokens += other.tokens;
        sequences += other.sequences;
        return this;
    }

    public long tokens() {
        return tokens;
    }

    public long sequences() {
        return sequences;
    }

    /** Mean over tokens of cos(h_i, h_j). */
    public double meanCosine(int i, int j) {
        return cosine[i * boundaries + j] / tokens;
    }

    /** Mean over tokens of arccos(cos(h_i, h_j)) / pi. */
    public double meanAngle(int i, int j) {
        return angle[i * boundaries + j] / tokens;
    }

    /** Mean over sequences of arccos(cos(h_i, h_j)) / pi at the last token. */
    public double meanLastAngle(int i, int j) {
        return lastAngle[i * boundaries + j] / sequences;
    }

    /**
     * Block Influence per layer, mean hidden norm per boundary, and the pair-skip angular distances (layer j
     * stands for the pair j, j+1).
     */
    public List<LayerScore> layerScores() {
        requireData();
        int layers = boundaries - 1;
        List<LayerScore> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            out.add(new LayerScore(l, Metric.BLOCK_INFLUENCE, 1 - meanCosine(l, l + 1)));
        }
        for (int l = 0; l <= layers; l++) {
            out.add(new LayerScore(l, Metric.HIDDEN_NORM, norm[l] / tokens));
        }
        for (int j = 0; j + 2 <= layers; j++) {
            out.add(new LayerScore(j, Metric.PAIR_ANGULAR_LAST, meanLastAngle(j, j + 2)));
            out.add(new LayerScore(j, Metric.PAIR_ANGULAR_ALL, meanAngle(j, j + 2)));
        }
        return out;
    }

    /** Cosine and angular distances between h_j and h_{j+n}, for every start j and length n = 1 .. L-1. */
    public List<BlockScore> blockScores() {
        requireData();
        int layers = boundaries - 1;
        List<BlockScore> out = new ArrayList<>();
        for (int n = 1; n < layers; n++) {
            for (int j = 0; j + n <= layers; j++) {
                out.add(new BlockScore(j, n, Metric.COSINE, meanCosine(j, j + n)));
                out.add(new BlockScore(j, n, Metric.ANGULAR_LAST, meanLastAngle(j, j + n)));
                out.add(new BlockScore(j, n, Metric.ANGULAR_ALL, meanAngle(j, j + n)));
            }
        }
        return out;
    }

    private void requireData() {
        if (tokens == 0) {
            throw new StrataException("no calibration tokens were scored");
        }
    }
}
