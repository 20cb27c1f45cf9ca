package dev.strata.pipeline.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;

/** The SwiGLU feed-forward block: down(silu(gate x) * up x). Weights in Hugging Face layout [out, in]. */
public record Mlp(NDArray gate, NDArray up, NDArray down) {

    /**
     * @param activation silu(gate x) * up x, [batch, seq, intermediate]
     * @param output the result after down_proj, [batch, seq, hidden]
     */
    public record Result(NDArray activation, NDArray output) {
    }

    /**
     * Results are created in the manager of {@code x}; the block runs in the weights' type, its output is F32 (the
     * residual stream's).
     */
    public Result forward(NDArray x) {
        NDArray in = ComputeType.like(x, gate);
        NDArray g = Linear.linear(in, gate).singletonOrThrow();
        NDArray activation = g.mul(Activation.sigmoid(g)).mul(Linear.linear(in, up).singletonOrThrow());
        return new Result(activation, ComputeType.widen(Linear.linear(activation, down).singletonOrThrow()));
    }
}
