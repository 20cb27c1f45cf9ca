package dev.strata.pipeline.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.StoredWeights;
import dev.strata.pipeline.model.Tensor;

/**
 * The weights of a model larger than its memory budget, read from the stored files when a pass needs them and
 * freed when it is done with them: a decoder layer at a time, the embedding rows of the batch's tokens, the head in
 * blocks of rows. What a pass holds is one layer and its activations, whatever the model's size. Values are widened
 * to F32 exactly as a whole-model load widens them, so a streamed pass computes what the whole-model pass computes.
 */
final class StreamedWeights {
    /** The most F32 bytes of head rows multiplied at a time: the head of a 128K vocabulary is 4 GiB at 8192 channels. */
    static final long HEAD_BLOCK_BYTES = 64L << 20;

    private final StoredWeights stored;
    private final LlamaConfig config;
    private final int headRowsPerBlock;

    /** @param headBlockBytes F32 bytes of head rows to read and multiply at a time (at least one row) */
    StreamedWeights(StoredWeights stored, long headBlockBytes) {
        this.stored = stored;
        this.config = stored.config();
        long rowBytes = 4L * config.hiddenSize();
        this.headRowsPerBlock = (int) Math.max(1, Math.min(config.vocabSize(), headBlockBytes / rowBytes));
    }

    StoredWeights stored() {
        return stored;
    }

    /** Decoder layer {@code index} of the stored model, its arrays in {@code scope} and freed with it. */
    DecoderLayer layer(int index, NDManager scope) {
        return DecoderLayer.of(config, t -> array(scope, stored.load(t.name(index))));
    }

    /** A small tensor loaded for the model's lifetime (the final norm). */
    NDArray resident(NDManager manager, String name) {
        return array(manager, stored.load(name));
    }

    /**
     * Hidden states [batch, seq, hidden] of token ids [batch, seq] (the embedding rows of those tokens) in
     * {@code scope}, in memory of their own: a pass may keep them beyond the scope of the rows read.
     */
    NDArray embed(NDArray tokens, NDManager scope) {
        Shape shape = tokens.getShape();
        try (NDManager read = scope.newSubManager()) {
            Tensor rows = stored.gather(LlamaLayout.EMBED, tokens.toLongArray());
            NDArray x = array(read, rows).reshape(shape.get(0), shape.get(1), config.hiddenSize()).duplicate();
            x.attach(scope);
            return x;
        }
    }

    /** Logits [..., vocab] of normalised hidden states [..., hidden], in {@code normed}'s manager. */
    NDArray logits(NDArray normed) {
        String head = config.tieWordEmbeddings() ? LlamaLayout.EMBED : LlamaLayout.LM_HEAD;
        int rowsPerBlock = headRowsPerBlock;
        NDManager out = normed.getManager();
        NDList parts = new NDList();
        try (NDManager blocks = out.newSubManager()) {
            for (long first = 0; first < config.vocabSize(); first += rowsPerBlock) {
                int rows = (int) Math.min(rowsPerBlock, config.vocabSize() - first);
                try (NDManager block = blocks.newSubManager()) {
                    NDArray part = Linear.linear(normed, array(block, stored.rows(head, first, rows))).singletonOrThrow();
                    part.attach(blocks);
                    parts.add(part);
                }
            }
            NDArray logits = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, -1);
            logits.attach(out);
            return logits;
        }
    }

    /** The tensor as an array of {@code scope} sharing its memory, which is freed when the scope closes. */
    private static NDArray array(NDManager scope, Tensor t) {
        NDArray a = scope.create(t.buffer(), new Shape(t.shape()), DataType.FLOAT32);
        scope.attachInternal(a.getUid() + "/buffer", t::release);
        return a;
    }
}
