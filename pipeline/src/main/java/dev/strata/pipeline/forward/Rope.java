package dev.strata.pipeline.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.ndarray.types.Shape;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.RopeScaling;

/**
 * Rotary position embeddings in the Hugging Face convention: channel i rotates with channel i + headDim/2 by
 * the angle position * theta^(-2i/headDim). Angles and their cosines are computed in double, once per model.
 */
public final class Rope {
    private final NDArray cos;
    private final NDArray sin;
    private final int half;

    /** Plain RoPE tables for positions 0 .. maxPositions-1, created in {@code manager}. */
    public Rope(NDManager manager, int headDim, int maxPositions, double theta) {
        this(manager, inverseFrequencies(headDim, theta), maxPositions);
    }

    /** The tables of a model's config: its head size, context, theta and rope scaling (Llama 3.1's "llama3"). */
    public static Rope of(NDManager manager, LlamaConfig config) {
        double[] inverse = inverseFrequencies(config.headDim(), config.ropeTheta());
        RopeScaling scaling = config.ropeScaling();
        return new Rope(manager, scaling == null ? inverse : scaling.apply(inverse), config.maxPositions());
    }

    /** 1 / theta^(2i / headDim) for i below headDim / 2. */
    static double[] inverseFrequencies(int headDim, double theta) {
        double[] inverse = new double[headDim / 2];
        for (int i = 0; i < inverse.length; i++) {
            inverse[i] = Math.pow(theta, -2.0 * i / headDim);
        }
        return inverse;
    }

    private Rope(NDManager manager, double[] inverse, int maxPositions) {
        half = inverse.length;
        int headDim = 2 * half;
        float[] c = new float[maxPositions * headDim];
        float[] s = new float[maxPositions * headDim];
        for (int pos = 0; pos < maxPositions; pos++) {
            for (int i = 0; i < half; i++) {
                double angle = pos * inverse[i];
                c[pos * headDim + i] = c[pos * headDim + i + half] = (float) Math.cos(angle);
                s[pos * headDim + i] = s[pos * headDim + i + half] = (float) Math.sin(angle);
            }
        }
        cos = manager.create(c, new Shape(maxPositions, headDim));
        sin = manager.create(s, new Shape(maxPositions, headDim));
    }

    /** Tables for positions 0 .. length-1 of every sequence, created in {@code scope}. */
    public Tables tables(NDManager scope, int length) {
        return tables(scope.arange(0, length, 1, DataType.INT64).expandDims(0));
    }

    /**
     * Tables for explicit positions [batch, seq] (int64; batch may be 1 to share them), created in the positions'
     * manager and shaped [batch, 1, seq, headDim] so that they broadcast over heads.
     */
    public Tables tables(NDArray positions) {
        NDArray c = Embedding.embedding(positions, cos, SparseFormat.DENSE).singletonOrThrow();
        NDArray s = Embedding.embedding(positions, sin, SparseFormat.DENSE).singletonOrThrow();
        return new Tables(c.expandDims(1), s.expandDims(1), half);
    }

    /** Per-call tables, [batch, 1, seq, headDim]. */
    public record Tables(NDArray cos, NDArray sin, int half) {
        /** Rotates x of shape [batch, heads, seq, headDim]. */
        public NDArray apply(NDArray x) {
            NDArray x1 = x.get("..., :{}", half);
            NDArray x2 = x.get("..., {}:", half);
            NDArray rotated = x2.neg().concat(x1, -1);
            return x.mul(cos).add(rotated.mul(sin));
        }
    }
}
