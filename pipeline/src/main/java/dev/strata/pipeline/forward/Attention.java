package dev.strata.pipeline.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.core.Linear;

/**
 * Causal grouped-query self-attention: numHeads query heads share numKvHeads key/value heads, query head h
 * using key/value head h / (numHeads / numKvHeads). Weights are in Hugging Face layout [out, in].
 *
 * <p>Queries are processed in blocks of positions, each block attending only to the keys up to its end: the
 * masked upper half of the score matrix is mostly never computed, and each block's scores stay small enough
 * to be reused from the allocator's heap instead of being mapped fresh from the kernel every time.
 */
public record Attention(NDArray wq, NDArray wk, NDArray wv, NDArray wo, int numHeads, int numKvHeads, int headDim,
        NDArray bq, NDArray bk, NDArray bv) {
    /** Upper bound on the elements of one block's score array (8 MB of floats). */
    static final long BLOCK_SCORE_ELEMENTS = 1L << 21;

    /** Attention without biases (Llama, Mistral). */
    public Attention(NDArray wq, NDArray wk, NDArray wv, NDArray wo, int numHeads, int numKvHeads, int headDim) {
        this(wq, wk, wv, wo, numHeads, numKvHeads, headDim, null, null, null);
    }

    /**
     * @param beforeOutputProjection the per-head outputs concatenated, [batch, seq, heads * headDim]
     * @param output the result after o_proj, [batch, seq, hidden]
     */
    public record Result(NDArray beforeOutputProjection, NDArray output) {
    }

    /**
     * @param x normalised input [batch, seq, hidden]; results are created in its manager
     * @param rope rotary tables for positions 0 .. seq-1
     * @param mask additive mask [1 or batch, seq, seq]: 0 where a query may attend to a key, -inf elsewhere; a query
     *     never attends to a later position (blocks of queries only see the keys up to their end)
     */
    public Result forward(NDArray x, Rope.Tables rope, NDArray mask) {
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        return forward(x, rope, mask, Math.max(1, Math.min(seq, BLOCK_SCORE_ELEMENTS / (batch * numHeads * seq))));
    }

    /** As {@link #forward(NDArray, Rope.Tables, NDArray)} with query blocks of {@code block} positions. */
    Result forward(NDArray x, Rope.Tables rope, NDArray mask, long block) {
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        int rep = numHeads / numKvHeads;
        // the projections run in the weights' type; rotation, scores and softmax in F32
        NDArray in = ComputeType.like(x, wq);
        NDArray q = heads(project(in, wq, bq), batch, seq, numHeads);
        NDArray k = heads(project(in, wk, bk), batch, seq, numKvHeads);
        NDArray v = heads(project(in, wv, bv), batch, seq, numKvHeads);
        // [batch, kvHeads, rep, seq, headDim]: each KV head with its own query heads, K and V never repeated
        NDArray grouped = Scalars.times(rope.apply(q), 1.0 / Math.sqrt(headDim))
                .reshape(batch, numKvHeads, rep, seq, headDim);
        k = rope.apply(k);
        NDList blocks = new NDList();
        for (long start = 0; start < seq; start += block) {
            long end = Math.min(seq, start + block);
            blocks.add(attendBlock(grouped, k, v, mask, start, end, rep));
        }
        NDArray context = (blocks.size() == 1 ? blocks.head() : NDArrays.concat(blocks, 3))
                .reshape(batch, numHeads, seq, headDim)
                .transpose(0, 2, 1, 3)
                .reshape(batch, seq, (long) numHeads * headDim);
        return new Result(context, ComputeType.widen(Linear.linear(ComputeType.like(context, wo), wo)
                .singletonOrThrow()));
    }

    /** Outputs of query positions [start, end) attending to keys [0, end): [batch, kvHeads, rep, end-start, headDim]. */
    private NDArray attendBlock(NDArray grouped, NDArray k, NDArray v, NDArray mask, long start, long end, int rep) {
        long batch = grouped.getShape().get(0);
        long rows = end - start;
        NDArray queries = grouped.get(new NDIndex(":, :, :, {}:{}, :", start, end))
                .reshape(batch, numKvHeads, rep * rows, headDim);
        NDArray keys = k.get(new NDIndex(":, :, :{}, :", end));
        NDArray values = v.get(new NDIndex(":, :, :{}, :", end));
        NDArray blockMask = mask.get(new NDIndex(":, {}:{}, :{}", start, end, end))
                .reshape(mask.getShape().get(0), 1, 1, rows, end);
        NDArray scores = queries.matMul(keys.transpose(0, 1, 3, 2))
                .reshape(batch, numKvHeads, rep, rows, end)
                .add(blockMask);
        return scores.softmax(-1)
                .reshape(batch, numKvHeads, rep * rows, end)
                .matMul(values)
                .reshape(batch, numKvHeads, rep, rows, headDim);
    }

    /** x W^T (+ b, Qwen2's) in the weight's type, widened to F32. */
    private static NDArray project(NDArray x, NDArray weight, NDArray bias) {
        NDArray y = Linear.linear(x, weight).singletonOrThrow();
        return ComputeType.widen(bias == null ? y : y.add(bias));
    }

    /** [batch, seq, n * headDim] to [batch, n, seq, headDim]. */
    private NDArray heads(NDArray projected, long batch, long seq, int n) {
        return projected.reshape(batch, seq, n, headDim).transpose(0, 2, 1, 3);
    }
}
