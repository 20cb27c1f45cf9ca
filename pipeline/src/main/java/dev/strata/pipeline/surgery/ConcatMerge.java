package dev.strata.pipeline.surgery;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.Tensor;
import java.nio.FloatBuffer;
import java.util.EnumMap;
import java.util.Map;

/**
 * CoMe's concatenation merge of two adjacent decoder layers into one of the same shapes: the kept KV groups of
 * a then of b (each KV head g with its own query heads g*n_rep .. g*n_rep+n_rep-1: q/k/v rows and o_proj columns),
 * the kept MLP neurons of a then of b (gate/up rows and down_proj columns), and the mean of the two layers' norm
 * weights.
 */
public final class ConcatMerge {
    private ConcatMerge() {
    }

    /** The merged layer; its tensors carry layer a's names. */
    public static LayerWeights merge(LlamaConfig config, LayerWeights a, LayerWeights b, ChannelChoice choice) {
        a.requireShapes(config, "merge: layer a");
        b.requireShapes(config, "merge: layer b");
        int kv = config.numKvHeads();
        int ff = config.intermediateSize();
        if (choice.groupsA().length + choice.groupsB().length != kv) {
            throw new StrataException("merge: " + choice.groupsA().length + " + " + choice.groupsB().length
                    + " KV groups kept, but the layer has " + kv);
        }
        if (choice.neuronsA().length + choice.neuronsB().length != ff) {
            throw new StrataException("merge: " + choice.neuronsA().length + " + " + choice.neuronsB().length
                    + " MLP neurons kept, but the layer has " + ff);
        }
        checkIndices(choice.groupsA(), kv, "KV group of layer a");
        checkIndices(choice.groupsB(), kv, "KV group of layer b");
        checkIndices(choice.neuronsA(), ff, "MLP neuron of layer a");
        checkIndices(choice.neuronsB(), ff, "MLP neuron of layer b");

        int hd = config.headDim();
        int rep = config.numRep();
        int[] kvRowsA = expand(choice.groupsA(), hd);
        int[] kvRowsB = expand(choice.groupsB(), hd);
        int[] qRowsA = expand(queryHeads(choice.groupsA(), rep), hd);
        int[] qRowsB = expand(queryHeads(choice.groupsB(), rep), hd);

        Map<LayerTensor, Tensor> out = new EnumMap<>(LayerTensor.class);
        out.put(LayerTensor.INPUT_NORM, mean(a.get(LayerTensor.INPUT_NORM), b.get(LayerTensor.INPUT_NORM)));
        out.put(LayerTensor.POST_ATTENTION_NORM, mean(a.get(LayerTensor.POST_ATTENTION_NORM), b.get(LayerTensor.POST_ATTENTION_NORM)));
        out.put(LayerTensor.Q_PROJ, rows(a.get(LayerTensor.Q_PROJ), qRowsA, b.get(LayerTensor.Q_PROJ), qRowsB));
        out.put(LayerTensor.K_PROJ, rows(a.get(LayerTensor.K_PROJ), kvRowsA, b.get(LayerTensor.K_PROJ), kvRowsB));
        out.put(LayerTensor.V_PROJ, rows(a.get(LayerTensor.V_PROJ), kvRowsA, b.get(LayerTensor.V_PROJ), kvRowsB));
        if (config.qkvBias()) {
            out.put(LayerTensor.Q_BIAS, rows(a.get(LayerTensor.Q_BIAS), qRowsA, b.get(LayerTensor.Q_BIAS), qRowsB));
            out.put(LayerTensor.K_BIAS, rows(a.get(LayerTensor.K_BIAS), kvRowsA, b.get(LayerTensor.K_BIAS), kvRowsB));
            out.put(LayerTensor.V_BIAS, rows(a.get(LayerTensor.V_BIAS), kvRowsA, b.get(LayerTensor.V_BIAS), kvRowsB));
        }
        out.put(LayerTensor.O_PROJ, columns(a.get(LayerTensor.O_PROJ), qRowsA, b.get(LayerTensor.O_PROJ), qRowsB));
        out.put(LayerTensor.GATE_PROJ, rows(a.get(LayerTensor.GATE_PROJ), choice.neuronsA(), b.get(LayerTensor.GATE_PROJ), choice.neuronsB()));
        out.put(LayerTensor.UP_PROJ, rows(a.get(LayerTensor.UP_PROJ), choice.neuronsA(), b.get(LayerTensor.UP_PROJ), choice.neuronsB()));
        out.put(LayerTensor.DOWN_PROJ, columns(a.get(LayerTensor.DOWN_PROJ), choice.neuronsA(), b.get(LayerTensor.DOWN_PROJ), choice.neuronsB()));
        return new LayerWeights(out);
    }

    /** The query heads of KV groups, in order: group g owns heads g*rep .. g*rep+rep-1. */
    static int[] queryHeads(int[] groups, int rep) {
        int[] heads = new int[groups.length * rep];
        for (int i = 0; i < groups.length; i++) {
            for (int r = 0; r < rep; r++) {
                heads[i * rep + r] = groups[i] * rep + r;
            }
        }
        return heads;
    }

    /** Channel indices of whole heads: head h spans h*width .. h*width+width-1. */
    private static int[] expand(int[] heads, int width) {
        int[] out = new int[heads.length * width];
        for (int i = 0; i < heads.length; i++) {
            for (int w = 0; w < width; w++) {
                out[i * width + w] = heads[i] * width + w;
            }
        }
        return out;
    }

    private static void checkIndices(int[] indices, int limit, String what) {
        boolean[] seen = new boolean[limit];
        for (int i : indices) {
            if (i < 0 || i >= limit) {
                throw new StrataException("merge: " + what + " " + i + " is outside 0.." + (limit - 1));
            }
            if (seen[i]) {
                throw new StrataException("merge: " + what + " " + i + " is kept twice");
            }
            seen[i] = true;
        }
    }

    private static Tensor mean(Tensor a, Tensor b) {
        Tensor out = Tensor.allocate(a.name(), a.dtype(), a.shape());
        FloatBuffer x = a.floats();
        FloatBuffer y = b.floats();
        FloatBuffer o = out.floats();
        for (int i = 0; i < out.numel(); i++) {
            o.put(i, (float) (((double) x.get(i) + y.get(i)) / 2));
        }
        return out;
    }

    /** Rows {@code rowsA} of a followed by rows {@code rowsB} of b, for [rows, cols] tensors. */
    /** Rows of a matrix, or elements of a vector (a bias), from a then b. */
    private static Tensor rows(Tensor a, int[] rowsA, Tensor b, int[] rowsB) {
        long[] shape = a.shape();
        int cols = shape.length == 1 ? 1 : (int) shape[1];
        Tensor out = Tensor.allocate(a.name(), a.dtype(), shape);
        FloatBuffer o = out.floats();
        copyRows(a.floats(), rowsA, cols, o);
        copyRows(b.floats(), rowsB, cols, o);
        return out;
    }

    private static void copyRows(FloatBuffer from, int[] rows, int cols, FloatBuffer to) {
        for (int r : rows) {
            to.put(from.slice(r * cols, cols));
        }
    }

    /** Columns {@code colsA} of a followed by columns {@code colsB} of b, for [rows, cols] tensors. */
    private static Tensor columns(Tensor a, int[] colsA, Tensor b, int[] colsB) {
        long[] shape = a.shape();
        int rowCount = (int) shape[0];
        int cols = (int) shape[1];
        Tensor out = Tensor.allocate(a.name(), a.dtype(), shape);
        float[] rowA = new float[cols];
        float[] rowB = new float[cols];
        float[] merged = new float[cols];
        FloatBuffer x = a.floats();
        FloatBuffer y = b.floats();
        FloatBuffer o = out.floats();
        for (int r = 0; r < rowCount; r++) {
            x.get(r * cols, rowA);
            y.get(r * cols, rowB);
            int c = 0;
            for (int j : colsA) {
                merged[c++] = rowA[j];
            }
            for (int j : colsB) {
                merged[c++] = rowB[j];
            }
            o.put(r * cols, merged);
        }
        return out;
    }
}
