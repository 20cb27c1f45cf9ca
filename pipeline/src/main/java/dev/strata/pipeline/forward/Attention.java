package dev.strata.pipeline.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.core.Linear;

/**
 * Causal grouped-query self-attention: numHeads query heads share numKvHeads key/value heads, query head h
 * using key/value head h / (numHeads / numKvHeads). Weights are in Hugging Face layout [out, in].
 */
public record Attention(NDArray wq, NDArray wk, NDArray wv, NDArray wo, int numHeads, int numKvHeads, int headDim) {

    /**
     * @param beforeOutputProjection the per-head outputs concatenated, [batch, seq, heads * headDim]
     * @param output the result after o_proj, [batch, seq, hidden]
     */
    public record Result(NDArray beforeOutputProjection, NDArray output) {
    }

    /**
     * @param x normalised input [batch, seq, hidden]; results are created in its manager
     * @param rope rotary tables for positions 0 .. seq-1
     * @param mask additive causal mask [seq, seq] (0 on and below the diagonal, -inf above)
     */
    public Result forward(NDArray x, Rope.Tables rope, NDArray mask) {
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        int rep = numHeads / numKvHeads;
        NDArray q = heads(Linear.linear(x, wq).singletonOrThrow(), batch, seq, numHeads);
        NDArray k = heads(Linear.linear(x, wk).singletonOrThrow(), batch, seq, numKvHeads);
        NDArray v = heads(Linear.linear(x, wv).singletonOrThrow(), batch, seq, numKvHeads);
        q = rope.apply(q).mul((float) (1.0 / Math.sqrt(headDim)));
        k = rope.apply(k);
        // Stack each KV head's query heads along the sequence axis: one matmul per KV head, K/V never copied.
        NDArray grouped = q.reshape(batch, numKvHeads, rep * seq, headDim);
        NDArray scores = grouped.matMul(k.transpose(0, 1, 3, 2)).reshape(batch, numKvHeads, rep, seq, seq).add(mask);
        NDArray probs = scores.softmax(-1).reshape(batch, numKvHeads, rep * seq, seq);
        NDArray context = probs.matMul(v)
                .reshape(batch, numHeads, seq, headDim)
                .transpose(0, 2, 1, 3)
                .reshape(batch, seq, (long) numHeads * headDim);
        return new Result(context, Linear.linear(context, wo).singletonOrThrow());
    }

    /** [batch, seq, n * headDim] to [batch, n, seq, headDim]. */
    private NDArray heads(NDArray projected, long batch, long seq, int n) {
        return projected.reshape(batch, seq, n, headDim).transpose(0, 2, 1, 3);
    }
}
