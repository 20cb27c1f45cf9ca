package dev.strata.pipeline.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.forward.Attention;
import dev.strata.pipeline.forward.DecoderLayer;
import dev.strata.pipeline.forward.Mlp;
import dev.strata.pipeline.forward.RmsNorm;
import java.util.List;

/** Trainable copies of decoder layers: own weights that record gradients, in the order of the checkpoint names. */
public final class TrainableLayers {
    private TrainableLayers() {
    }

    /** A copy of {@code layer} whose weights live in {@code manager} and are tracked by autograd. */
    public static DecoderLayer copy(DecoderLayer layer, NDManager manager) {
        Attention a = layer.attention();
        Mlp m = layer.mlp();
        return new DecoderLayer(
                new RmsNorm(tracked(layer.inputNorm().weight(), manager), layer.inputNorm().eps()),
                new Attention(tracked(a.wq(), manager), tracked(a.wk(), manager), tracked(a.wv(), manager),
                        tracked(a.wo(), manager), a.numHeads(), a.numKvHeads(), a.headDim()),
                new RmsNorm(tracked(layer.postAttentionNorm().weight(), manager), layer.postAttentionNorm().eps()),
                new Mlp(tracked(m.gate(), manager), tracked(m.up(), manager), tracked(m.down(), manager)));
    }

    /** The weights of a layer: input norm, q, k, v, o, post-attention norm, gate, up, down. */
    public static List<NDArray> parameters(DecoderLayer layer) {
        Attention a = layer.attention();
        Mlp m = layer.mlp();
        return List.of(layer.inputNorm().weight(), a.wq(), a.wk(), a.wv(), a.wo(), layer.postAttentionNorm().weight(),
                m.gate(), m.up(), m.down());
    }

    private static NDArray tracked(NDArray weight, NDManager manager) {
        NDArray copy = manager.create(weight.getShape(), weight.getDataType());
        weight.copyTo(copy);
        Autograd.track(copy);
        return copy;
    }
}
