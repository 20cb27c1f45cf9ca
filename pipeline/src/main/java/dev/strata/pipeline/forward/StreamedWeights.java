package dev.strata.pipeline.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.StoredWeights;
import dev.strata.pipeline.model.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * The weights of a model larger than its memory budget, read from the stored files when a pass needs them and
 * freed when it is done with them: a decoder layer at a time, the embedding rows of the batch's tokens, the head in
 * blocks of rows. Values are widened to F32 exactly as a whole-model load widens them, so a streamed pass computes
 * what the whole-model pass computes. Passes running side by side (a JVM's Spark tasks) share the budget: a read
 * waits until the weights it adds fit.
 */
final class StreamedWeights {
    /** The most F32 bytes of head rows multiplied at a time: the head of a 128K vocabulary is 4 GiB at 8192 channels. */
    static final long HEAD_BLOCK_BYTES = 64L << 20;
    private static final int MIB = 1 << 20;

    private final StoredWeights stored;
    private final LlamaConfig config;
    private final int headRowsPerBlock;
    /** The budget in MiB: weights read take permits until they are freed. */
    private final Semaphore budget;
    private final int budgetMib;
    private final ComputeType compute;

    /** @param headBlockBytes F32 bytes of head rows to read and multiply at a time (at least one row) */
    StreamedWeights(StoredWeights stored, MemoryBudget budget, long headBlockBytes, ComputeType compute) {
        this.compute = compute;
        this.stored = stored;
        this.config = stored.config();
        long rowBytes = 4L * config.hiddenSize();
        this.headRowsPerBlock = (int) Math.max(1, Math.min(config.vocabSize(), headBlockBytes / rowBytes));
        this.budgetMib = (int) Math.min(Integer.MAX_VALUE, Math.max(1, budget.bytes() / MIB));
        this.budget = new Semaphore(budgetMib);
    }

    /** Reads layers for passes one ahead of the compute, on a thread of its own (daemon: it never holds the JVM). */
    private static final java.util.concurrent.ExecutorService READER = java.util.concurrent.Executors
            .newCachedThreadPool(r -> {
                Thread t = new Thread(r, "strata-layer-reader");
                t.setDaemon(true);
                return t;
            });

    /**
     * The stored layers {@code stored} in order for one pass, each read while the one before it computes (when the
     * budget holds two layers; otherwise the read waits for the last layer's memory, and the pass is sequential).
     */
    Pass pass(List<Integer> stored, NDManager scope) {
        return new Pass(stored, scope);
    }

    /** A layer read for a pass, and the scope of its arrays: closing it frees the layer. */
    record ReadLayer(DecoderLayer layer, NDManager weights) implements AutoCloseable {
        @Override
        public void close() {
            weights.close();
        }
    }

    /** One pass's layers: {@link #next} hands out the current one and starts reading the following one. */
    final class Pass implements AutoCloseable {
        private final List<Integer> stored;
        private final NDManager scope;
        private int handed;
        private java.util.concurrent.Future<DecoderLayer> ahead;
        private NDManager aheadScope;

        private Pass(List<Integer> stored, NDManager scope) {
            this.stored = stored;
            this.scope = scope;
            readAhead();
        }

        /** The next layer (close it once it has computed, which frees it); the one after it starts reading now. */
        ReadLayer next() {
            ReadLayer read = new ReadLayer(await(), aheadScope);
            handed++;
            readAhead();
            return read;
        }

        private void readAhead() {
            if (handed >= stored.size()) {
                ahead = null;
                aheadScope = null;
                return;
            }
            int index = stored.get(handed);
            NDManager weights = scope.newSubManager();
            aheadScope = weights;
            ahead = READER.submit(() -> layer(index, weights));
        }

        private DecoderLayer await() {
            try {
                return ahead.get();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new StrataException("interrupted while reading a layer");
            } catch (java.util.concurrent.ExecutionException ex) {
                if (ex.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(ex.getCause());
            }
        }

        /** Waits for a read still under way (a failed pass) and frees what it read. */
        @Override
        public void close() {
            if (ahead != null) {
                try {
                    await();
                } catch (RuntimeException ignored) {
                    // the pass has already failed; its own error is the one reported
                } finally {
                    aheadScope.close();
                }
            }
        }
    }

    /** Decoder layer {@code index} of the stored model, its arrays in {@code scope} and freed with it. */
    DecoderLayer layer(int index, NDManager scope) {
        Read read = new Read(scope, stored.layerF32Bytes(index));
        return DecoderLayer.of(config, t -> read.array(stored.load(t.name(index))));
    }

    /** One weight of decoder layer {@code index}, in {@code scope} and freed with it. */
    NDArray weight(int index, LlamaLayout.LayerTensor kind, NDManager scope) {
        String name = kind.name(index);
        Read read = new Read(scope, stored.entry(name).elementCount() * 4L);
        return read.array(stored.load(name));
    }

    /**
     * Hidden states [batch, seq, hidden] of token ids [batch, seq] (the embedding rows of those tokens) in
     * {@code scope}, in memory of their own: a pass may keep them beyond the rows read.
     */
    NDArray embed(NDArray tokens, NDManager scope) {
        Shape shape = tokens.getShape();
        long[] ids = tokens.toLongArray();
        try (NDManager rows = scope.newSubManager()) {
            Read read = new Read(rows, (long) ids.length * 4L * config.hiddenSize());
            // rounded through the compute type as a held embedding matrix would be
            NDArray x = ComputeType.widen(read.array(stored.gather(LlamaLayout.EMBED, ids)))
                    .reshape(shape.get(0), shape.get(1), config.hiddenSize()).duplicate();
            x.attach(scope);
            return x;
        }
    }

    /** Logits [..., vocab] of normalised hidden states [..., hidden], in {@code normed}'s manager. */
    NDArray logits(NDArray normed) {
        String head = config.tieWordEmbeddings() ? LlamaLayout.EMBED : LlamaLayout.LM_HEAD;
        NDManager out = normed.getManager();
        NDList parts = new NDList();
        try (NDManager blocks = out.newSubManager()) {
            for (long first = 0; first < config.vocabSize(); first += headRowsPerBlock) {
                int rows = (int) Math.min(headRowsPerBlock, config.vocabSize() - first);
                try (NDManager block = blocks.newSubManager()) {
                    Read read = new Read(block, (long) rows * 4L * config.hiddenSize());
                    NDArray weight = read.array(stored.rows(head, first, rows));
                    NDArray part = ComputeType.widen(Linear.linear(ComputeType.like(normed, weight), weight)
                            .singletonOrThrow());
                    part.attach(blocks);
                    parts.add(part);
                }
            }
            NDArray logits = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, -1);
            logits.attach(out);
            return logits;
        }
    }

    /**
     * The arrays of one read (a layer, a head block, embedding rows), sharing the memory of the tensors read. When the
     * scope it belongs to closes, the arrays close, then their memory is freed, then its share of the budget returns.
     */
    private final class Read implements AutoCloseable {
        private final NDManager arrays;
        private final List<Tensor> tensors = new ArrayList<>();
        private final int permits;
        private boolean closed;

        /** Waits until {@code bytes} fit the budget beside other passes' reads (a read larger than it all waits for all). */
        Read(NDManager scope, long bytes) {
            this.permits = (int) Math.min(budgetMib, (bytes + MIB - 1) / MIB);
            budget.acquireUninterruptibly(permits);
            this.arrays = scope.newSubManager();
            scope.attachInternal(java.util.UUID.randomUUID() + "/read", this);
        }

        /** The tensor as an array: a matrix in the compute type, a vector (a norm, a bias) in F32. */
        NDArray array(Tensor t) {
            tensors.add(t);
            return LlamaModel.array(arrays, t, compute);
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            arrays.close();
            tensors.forEach(Tensor::release);
            budget.release(permits);
        }
    }
}
