package dev.strata.pipeline.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.forward.Attention;
import dev.strata.pipeline.forward.DecoderLayer;
import dev.strata.pipeline.forward.Mlp;
import dev.strata.pipeline.forward.RmsNorm;
import java.util.List;

/** Trainable copies of decoder layers: own weights, of which the trained part records gradients. */
public final class TrainableLayers {
    private TrainableLayers() {
    }

    /** Which weights of a layer are trained. */
    public enum Part {
        /** Every weight: input norm, q, k, v, o, post-attention norm, gate, up, down. */
        WHOLE_LAYER,
        /**
         * The feed-forward block only: post-attention norm, gate, up, down (for a layer whose attention is switched
         * off by a zero o_proj, so that its other attention weights get no gradient).
         */
        MLP
    }

    /** A copy of {@code layer} whose weights live in {@code manager}; the {@code part} is tracked by autograd. */
    public static DecoderLayer copy(DecoderLayer layer, NDManager manager, Part part) {
        boolean attention = part == Part.WHOLE_LAYER;
        Attention a = layer.attention();
        Mlp m = layer.mlp();
        return new DecoderLayer(
                new RmsNorm(copy(layer.inputNorm().weight(), manager, attention), layer.inputNorm().eps()),
                new Attention(copy(a.wq(), manager, attention), copy(a.wk(), manager, attention),
                        copy(a.wv(), manager, attention), copy(a.wo(), manager, attention), a.numHeads(), a.numKvHeads(),
                        a.headDim(), copy(a.bq(), manager, attention), copy(a.bk(), manager, attention),
                        copy(a.bv(), manager, attention)),
                new RmsNorm(copy(layer.postAttentionNorm().weight(), manager, true), layer.postAttentionNorm().eps()),
                new Mlp(copy(m.gate(), manager, true), copy(m.up(), manager, true), copy(m.down(), manager, true)));
    }

    /** The trained weights of a layer, in the order of the checkpoint names. */
    public static List<NDArray> parameters(DecoderLayer layer, Part part) {
        Attention a = layer.attention();
        Mlp m = layer.mlp();
        if (part == Part.MLP) {
            return List.of(layer.postAttentionNorm().weight(), m.gate(), m.up(), m.down());
        }
        return java.util.stream.Stream.of(layer.inputNorm().weight(), a.wq(), a.wk(), a.wv(), a.bq(), a.bk(), a.bv(),
                a.wo(), layer.postAttentionNorm().weight(), m.gate(), m.up(), m.down()).filter(java.util.Objects::nonNull)
                .toList();
    }

    /**
     * A copy in memory PyTorch owns (a clone), not in a Java buffer: DJL's {@code set}/{@code copyTo} would back the
     * tensor by a direct buffer whose life then hangs on the Java object's.
     */
    private static NDArray copy(NDArray weight, NDManager manager, boolean tracked) {
        if (weight == null) {
            return null; // a bias the architecture does not have
        }
        NDArray copy = weight.duplicate();
        copy.attach(manager);
        if (tracked) {
            Autograd.track(copy);
        }
        return copy;
    }
}
