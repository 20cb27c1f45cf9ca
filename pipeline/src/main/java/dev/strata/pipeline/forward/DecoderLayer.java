package dev.strata.pipeline.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

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
