package dev.strata.pipeline.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import java.util.function.Function;

/**
 * One pre-norm Llama decoder layer: h = x + attention(norm(x)); out = h + mlp(norm(h)). Layers are values:
 * later stages remove, replace, merge and reorder them to build a new model.
 */
public record DecoderLayer(RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, Mlp mlp) {

    /**
     * @param hidden the layer's output [batch, seq, hidden]
     * @param attentionOutput the attention output before o_proj, or null when not captured
     * @param mlpActivation the MLP intermediate, or null when not captured
     */
    public record Output(NDArray hidden, NDArray attentionOutput, NDArray mlpActivation) {
    }

    /** A layer of {@code config}'s shapes from its weights (nine, or twelve with Qwen2's biases), by kind. */
    public static DecoderLayer of(LlamaConfig config, Function<LayerTensor, NDArray> weights) {
        float eps = (float) config.rmsNormEps();
        boolean bias = config.qkvBias();
        return new DecoderLayer(new RmsNorm(weights.apply(LayerTensor.INPUT_NORM), eps),
                new Attention(weights.apply(LayerTensor.Q_PROJ), weights.apply(LayerTensor.K_PROJ),
                        weights.apply(LayerTensor.V_PROJ), weights.apply(LayerTensor.O_PROJ), config.numHeads(),
                        config.numKvHeads(), config.headDim(), bias ? weights.apply(LayerTensor.Q_BIAS) : null,
                        bias ? weights.apply(LayerTensor.K_BIAS) : null, bias ? weights.apply(LayerTensor.V_BIAS) : null),
                new RmsNorm(weights.apply(LayerTensor.POST_ATTENTION_NORM), eps),
                new Mlp(weights.apply(LayerTensor.GATE_PROJ), weights.apply(LayerTensor.UP_PROJ),
                        weights.apply(LayerTensor.DOWN_PROJ)));
    }

    /** The weight of one kind: the inverse of {@link #of}. */
    public NDArray weight(LayerTensor kind) {
        return switch (kind) {
            case INPUT_NORM -> inputNorm.weight();
            case Q_PROJ -> attention.wq();
            case K_PROJ -> attention.wk();
            case V_PROJ -> attention.wv();
            case Q_BIAS -> attention.bq();
            case K_BIAS -> attention.bk();
            case V_BIAS -> attention.bv();
            case O_PROJ -> attention.wo();
            case POST_ATTENTION_NORM -> postAttentionNorm.weight();
            case GATE_PROJ -> mlp.gate();
            case UP_PROJ -> mlp.up();
            case DOWN_PROJ -> mlp.down();
        };
    }

    /**
     * Runs the layer. Temporaries live in a scope closed before returning; the outputs are attached to the
     * manager of {@code x}.
     */
    public Output forward(NDArray x, Rope.Tables rope, NDArray mask, Capture capture) {
        NDManager parent = x.getManager();
        try (NDManager scope = parent.newSubManager()) {
            x.tempAttach(scope);
            Attention.Result attention = this.attention.forward(inputNorm.apply(x), rope, mask);
            NDArray h = x.add(attention.output());
            Mlp.Result mlp = this.mlp.forward(postAttentionNorm.apply(h));
            NDArray out = h.add(mlp.output());
            out.attach(parent);
            NDArray attentionOutput = keep(capture.attentionOutputs(), attention.beforeOutputProjection(), parent);
            NDArray mlpActivation = keep(capture.mlpActivations(), mlp.activation(), parent);
            return new Output(out, attentionOutput, mlpActivation);
        }
    }

    private static NDArray keep(boolean wanted, NDArray array, NDManager parent) {
        if (!wanted) {
            return null;
        }
        array.attach(parent);
        return array;
    }
}
