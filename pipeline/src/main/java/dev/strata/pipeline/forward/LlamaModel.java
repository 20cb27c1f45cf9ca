package dev.strata.pipeline.forward;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.StoredWeights;
import dev.strata.pipeline.model.Tensor;
import dev.strata.pipeline.util.Progress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A Llama decoder on DJL NDArrays (PyTorch engine, F32): token embeddings, a list of {@link DecoderLayer}s, the
 * final RMSNorm and the language-model head. Weights live in one NDManager on one device, or, for a model larger than
 * its memory budget, stay in their files and are read a layer at a time by each pass ({@link #open}); the forward pass
 * is safe to call from several threads at once. One forward implementation serves plain inference and activation
 * capture ({@link Capture}).
 */
public final class LlamaModel implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(LlamaModel.class);

    private final LlamaConfig config;
    private final NDManager manager;
    private final boolean ownsManager;
    /** The embedding, layers and head held in memory; empty for a streamed model. */
    private final NDArray embeddings;
    private final List<DecoderLayer> layers;
    private final NDArray lmHead;
    /** Where a streamed model's weights are read from, and which stored layers it runs; null when held. */
    private final StreamedWeights streamed;
    private final List<Integer> storedLayers;
    private final RmsNorm finalNorm;
    private final Rope rope;
    private final Map<String, byte[]> assets;

    private LlamaModel(LlamaConfig config, NDManager manager, boolean ownsManager, NDArray embeddings,
            List<DecoderLayer> layers, NDArray lmHead, StreamedWeights streamed, List<Integer> storedLayers,
            RmsNorm finalNorm, Rope rope, Map<String, byte[]> assets) {
        this.config = config;
        this.manager = manager;
        this.ownsManager = ownsManager;
        this.embeddings = embeddings;
        this.layers = List.copyOf(layers);
        this.lmHead = lmHead;
        this.streamed = streamed;
        this.storedLayers = List.copyOf(storedLayers);
        this.finalNorm = finalNorm;
        this.rope = rope;
        this.assets = Map.copyOf(assets);
    }

    /** Loads a Hugging Face model folder onto a device, whole. */
    public static LlamaModel load(Path dir, Device device) {
        return fromCheckpoint(ModelFolder.read(dir), device);
    }

    /**
     * Opens a model folder within a memory budget: loaded whole when its weights as F32 fit the budget, else streamed
     * (only config.json, the headers and the final norm are read now; each pass reads a layer at a time). The log
     * says which and why; a model whose single layer exceeds the budget is refused. Matrix products run in
     * {@code compute}.
     */
    public static LlamaModel open(Path dir, Device device, MemoryBudget budget, ComputeType compute) {
        if (!device.isGpu()) {
            budget.requireWithinJvmLimit();
        }
        StoredWeights stored = ModelFolder.open(dir);
        long whole = stored.f32Bytes();
        if (budget.fits(whole)) {
            LOG.info("{}: loading whole: its weights take {} as F32, within the memory budget {}; computing in {}",
                    dir, MemoryBudget.size(whole), budget.describe(), compute);
            return fromCheckpoint(Checkpoint.of(stored), device, compute);
        }
        long layer = java.util.stream.IntStream.range(0, stored.config().numLayers()).mapToLong(stored::layerF32Bytes)
                .max().orElse(0);
        long headRow = 4L * stored.config().hiddenSize();
        if (!budget.fits(layer + headRow)) {
            throw new StrataException(dir + ": one decoder layer takes " + MemoryBudget.size(layer) + " as F32, more "
                    + "than the memory budget " + budget.describe() + "; raise --memory-budget");
        }
        long headBlock = Math.min(StreamedWeights.HEAD_BLOCK_BYTES, budget.bytes() - layer);
        LOG.info("{}: streaming from storage, one layer ({}) at a time: its weights take {} as F32, more than the "
                + "memory budget {}; computing in {}", dir, MemoryBudget.size(layer), MemoryBudget.size(whole),
                budget.describe(), compute);
        return streamed(stored, device, budget, headBlock, compute);
    }

    private static LlamaModel streamed(StoredWeights stored, Device device, MemoryBudget budget, long headBlockBytes,
            ComputeType compute) {
        LlamaConfig c = stored.config();
        NDManager manager = NDManager.newBaseManager(device, Devices.engine().getEngineName());
        try {
            StreamedWeights weights = new StreamedWeights(stored, budget, headBlockBytes, compute);
            RmsNorm finalNorm = new RmsNorm(array(manager, stored.load(LlamaLayout.FINAL_NORM), compute),
                    (float) c.rmsNormEps());
            Rope rope = Rope.of(manager, c);
            List<Integer> all = java.util.stream.IntStream.range(0, c.numLayers()).boxed().toList();
            return new LlamaModel(c, manager, true, null, List.of(), null, weights, all, finalNorm, rope,
                    stored.assets());
        } catch (RuntimeException ex) {
            manager.close();
            throw ex;
        }
    }

    /** Builds the model from checkpoint tensors, computing in F32; on the CPU the NDArrays share the tensors' memory. */
    public static LlamaModel fromCheckpoint(Checkpoint checkpoint, Device device) {
        return fromCheckpoint(checkpoint, device, ComputeType.F32);
    }

    /** Builds the model from checkpoint tensors, its matrices in {@code compute}'s type (norms stay F32). */
    public static LlamaModel fromCheckpoint(Checkpoint checkpoint, Device device, ComputeType compute) {
        LlamaConfig c = checkpoint.config();
        NDManager manager = NDManager.newBaseManager(device, Devices.engine().getEngineName());
        try {
            NDArray embeddings = array(manager, checkpoint.tensor(LlamaLayout.EMBED), compute);
            List<DecoderLayer> layers = new ArrayList<>();
            for (int l = 0; l < c.numLayers(); l++) {
                int layer = l;
                layers.add(DecoderLayer.of(c, t -> array(manager, checkpoint.tensor(t.name(layer)), compute)));
            }
            RmsNorm finalNorm = new RmsNorm(array(manager, checkpoint.tensor(LlamaLayout.FINAL_NORM), compute),
                    (float) c.rmsNormEps());
            NDArray lmHead = c.tieWordEmbeddings() ? embeddings
                    : array(manager, checkpoint.tensor(LlamaLayout.LM_HEAD), compute);
            Rope rope = Rope.of(manager, c);
            return new LlamaModel(c, manager, true, embeddings, layers, lmHead, null, List.of(), finalNorm, rope,
                    checkpoint.assets());
        } catch (RuntimeException ex) {
            manager.close();
            throw ex;
        }
    }

    /** A weight as an array of {@code manager}: a matrix in the compute type, a vector (a norm, a bias) in F32. */
    static NDArray array(NDManager manager, Tensor t, ComputeType compute) {
        NDArray f32 = manager.create(t.buffer(), new Shape(t.shape()), DataType.FLOAT32);
        if (t.shape().length < 2) {
            return f32;
        }
        NDArray cast = compute.cast(f32);
        if (cast != f32) {
            f32.close();
        }
        return cast;
    }

    /**
     * A model with other decoder layers and the same embeddings, norm and head. It shares this model's weights
     * and manager: it does not close them, and must not be used after this model is closed.
     */
    public LlamaModel withLayers(List<DecoderLayer> newLayers) {
        requireHeld("replacing its layers");
        if (newLayers.isEmpty()) {
            throw new StrataException("a model needs at least one decoder layer");
        }
        return new LlamaModel(config.withNumLayers(newLayers.size()), manager, false, embeddings, newLayers, lmHead,
                null, List.of(), finalNorm, rope, assets);
    }

    /** This model without decoder layer {@code layer} (a view sharing the weights, as {@link #withLayers}). */
    public LlamaModel withoutLayer(int layer) {
        int n = config.numLayers();
        if (layer < 0 || layer >= n) {
            throw new StrataException("layer " + layer + " does not exist (the model has layers 0.." + (n - 1) + ")");
        }
        if (streamed == null) {
            List<DecoderLayer> kept = new ArrayList<>(layers);
            kept.remove(layer);
            return withLayers(kept);
        }
        List<Integer> kept = new ArrayList<>(storedLayers);
        kept.remove(layer);
        return streamedView(kept);
    }

    /** This model's first {@code end} decoder layers (a view sharing the weights, held or streamed). */
    public LlamaModel firstLayers(int end) {
        int n = config.numLayers();
        if (end < 1 || end > n) {
            throw new StrataException("a model of " + n + " layers has no first " + end + " layers");
        }
        if (streamed == null) {
            return withLayers(layers.subList(0, end));
        }
        return streamedView(storedLayers.subList(0, end));
    }

    /** A streamed model running the stored layers {@code stored}, sharing this one's reader and small weights. */
    private LlamaModel streamedView(List<Integer> stored) {
        if (stored.isEmpty()) {
            throw new StrataException("a model needs at least one decoder layer");
        }
        return new LlamaModel(config.withNumLayers(stored.size()), manager, false, null, List.of(), null, streamed,
                stored, finalNorm, rope, assets);
    }

    /** True when the weights stay in their files and each pass reads them a layer at a time. */
    public boolean streamed() {
        return streamed != null;
    }

    /**
     * One weight of decoder layer {@code index} for work in {@code scope}: a held model's own (shared, not attached to
     * the scope), or a streamed model's read from storage into the scope and freed when it closes.
     */
    public NDArray openWeight(int index, LayerTensor kind, NDManager scope) {
        return streamed == null ? layers.get(index).weight(kind) : streamed.weight(storedLayers.get(index), kind, scope);
    }

    /**
     * Decoder layer {@code index} for work in {@code scope}: a held model's own (shared, not attached to the scope),
     * or a streamed model's read from storage into the scope within the memory budget and freed when it closes.
     */
    public DecoderLayer openLayer(int index, NDManager scope) {
        if (index < 0 || index >= config.numLayers()) {
            throw new StrataException("layer " + index + " does not exist (the model has layers 0.."
                    + (config.numLayers() - 1) + ")");
        }
        return streamed == null ? layers.get(index) : streamed.layer(storedLayers.get(index), scope);
    }

    private void requireHeld(String what) {
        if (streamed != null) {
            throw new StrataException(config.source() + ": the model is streamed from storage (its weights exceed the "
                    + "memory budget); " + what + " needs it held in memory: raise --memory-budget");
        }
    }

    public LlamaConfig config() {
        return config;
    }

    /** The rotary position tables, for running single layers. */
    public Rope rope() {
        return rope;
    }

    /** The layers of a model held in memory (a streamed model has none held: its passes read them one at a time). */
    public List<DecoderLayer> layers() {
        requireHeld("this step");
        return layers;
    }

    /** The side files the model was read with (tokenizer, generation config), by file name. */
    public Map<String, byte[]> assets() {
        return assets;
    }

    public Device device() {
        return manager.getDevice();
    }

    /** A new scope on the model's device for the arrays of one call; close it when done. */
    public NDManager newScope() {
        return manager.newSubManager();
    }

    /** Token ids [batch, seq] as an int64 array in {@code scope}. */
    public NDArray tokens(NDManager scope, long[][] ids) {
        return scope.create(ids);
    }

    /** Sequences of equal length as an int64 array [batch, seq] in {@code scope}. */
    public NDArray tokens(NDManager scope, List<int[]> sequences) {
        long[][] ids = new long[sequences.size()][];
        for (int b = 0; b < ids.length; b++) {
            ids[b] = java.util.Arrays.stream(sequences.get(b)).asLongStream().toArray();
        }
        return tokens(scope, ids);
    }

    /** Logits [batch, seq, vocab] for token ids [batch, seq]. */
    public NDArray logits(NDArray tokens) {
        return forward(tokens, Capture.LOGITS).logits();
    }

    /**
     * Runs the model on token ids [batch, seq] (int64). Results are attached to the manager of {@code tokens}.
     */
    public ForwardOutput forward(NDArray tokens, Capture capture) {
        checkTokens(tokens);
        checkLength(tokens.getShape().get(1));
        int seq = (int) tokens.getShape().get(1);
        try (NDManager scope = tokens.getManager().newSubManager()) {
            return run(tokens, scope.arange(0, seq, 1, DataType.INT64).expandDims(0), causalMask(scope, seq), capture);
        }
    }

    /**
     * Runs the model with explicit positions and attention: several sequences packed into one row (e.g. a shared
     * context followed by each of its continuations) are scored in one pass. Results are attached to the manager
     * of {@code tokens}.
     *
     * @param tokens token ids [batch, seq] (int64)
     * @param positions RoPE positions [1 or batch, seq] (int64), each below max_position_embeddings
     * @param mask additive attention mask [1 or batch, seq, seq]: 0 where a token may attend, -inf elsewhere; a
     *     token attends to itself and never to a later one
     */
    public ForwardOutput forward(NDArray tokens, NDArray positions, NDArray mask, Capture capture) {
        checkTokens(tokens);
        checkPacking(tokens, positions, mask);
        return run(tokens, positions, mask, capture);
    }

    private ForwardOutput run(NDArray tokens, NDArray positions, NDArray mask, Capture capture) {
        NDManager out = tokens.getManager();
        List<NDArray> hidden = new ArrayList<>();
        List<NDArray> attention = new ArrayList<>();
        List<NDArray> mlp = new ArrayList<>();
        try (NDManager scope = out.newSubManager()) {
            Rope.Tables tables = rope.tables(positions);
            NDArray x = streamed == null
                    ? ComputeType.widen(Embedding.embedding(tokens, embeddings, SparseFormat.DENSE).singletonOrThrow())
                    : streamed.embed(tokens, scope);
            x.attach(capture.hiddenStates() ? out : scope);
            if (capture.hiddenStates()) {
                hidden.add(x);
            }
            Progress progress = streamed == null ? null : Progress.ofLongOnly("streamed pass", config.numLayers(),
                    "layers");
            try (StreamedWeights.Pass pass = streamed == null ? null : streamed.pass(storedLayers, scope)) {
                for (int l = 0; l < config.numLayers(); l++) {
                    DecoderLayer.Output o = layer(l, pass, x, tables, mask, capture);
                    if (progress != null) {
                        progress.advance(1, 0);
                    }
                    if (capture.hiddenStates()) {
                        hidden.add(o.hidden());
                    } else {
                        x.close();
                    }
                    if (capture.attentionOutputs()) {
                        o.attentionOutput().attach(out);
                        attention.add(o.attentionOutput());
                    }
                    if (capture.mlpActivations()) {
                        o.mlpActivation().attach(out);
                        mlp.add(o.mlpActivation());
                    }
                    x = o.hidden();
                }
            }
            NDArray logits = null;
            if (capture.logits()) {
                try (NDManager head = scope.newSubManager()) {
                    x.tempAttach(head);
                    logits = head(x);
                    logits.attach(out);
                }
            }
            NDArray last = null;
            if (capture.lastHidden()) {
                x.attach(out);
                last = x;
            }
            return new ForwardOutput(logits, hidden, attention, mlp, last);
        }
    }

    /** Runs layer {@code l}: held, or the next of a streamed pass, freed as soon as it has computed. */
    private DecoderLayer.Output layer(int l, StreamedWeights.Pass pass, NDArray x, Rope.Tables tables, NDArray mask,
            Capture capture) {
        if (pass == null) {
            return layers.get(l).forward(x, tables, mask, capture);
        }
        try (StreamedWeights.ReadLayer read = pass.next()) {
            return read.layer().forward(x, tables, mask, capture);
        }
    }

    /** The final norm and language-model head: logits [..., vocab] of last-layer outputs [..., hidden]. */
    public NDArray head(NDArray lastHidden) {
        NDArray normed = finalNorm.apply(lastHidden);
        return streamed == null ? ComputeType.widen(Linear.linear(ComputeType.like(normed, lmHead), lmHead)
                .singletonOrThrow()) : streamed.logits(normed);
    }

    private void checkTokens(NDArray tokens) {
        Shape shape = tokens.getShape();
        if (shape.dimension() != 2 || shape.get(1) < 1) {
            throw new StrataException("token ids must be [batch, seq] with seq >= 1, got " + shape);
        }
        checkRange(tokens, config.vocabSize(), "token id", "the vocabulary");
    }

    private void checkLength(long seq) {
        if (seq > config.maxPositions()) {
            throw new StrataException("sequence of " + seq + " tokens is longer than max_position_embeddings "
                    + config.maxPositions() + " of " + config.source());
        }
        checkWindow(seq);
    }

    /**
     * Mistral's sliding window: attention here sees the whole sequence, which is what the window gives only while the
     * sequence fits in it; a longer one is refused rather than computed differently.
     */
    private void checkWindow(long positions) {
        int window = config.slidingWindow();
        if (window > 0 && positions > window) {
            throw new StrataException(config.source() + ": sliding_window " + window + " is shorter than the "
                    + positions + " positions of the sequence; Strata's attention is exact only where the window "
                    + "covers the sequence: use at most " + window + " tokens (--seq-len)");
        }
    }

    private void checkPacking(NDArray tokens, NDArray positions, NDArray mask) {
        long batch = tokens.getShape().get(0);
        long seq = tokens.getShape().get(1);
        Shape p = positions.getShape();
        Shape m = mask.getShape();
        if (p.dimension() != 2 || p.get(1) != seq || (p.get(0) != 1 && p.get(0) != batch)) {
            throw new StrataException("positions must be [1 or " + batch + ", " + seq + "], got " + p);
        }
        if (m.dimension() != 3 || m.get(1) != seq || m.get(2) != seq || (m.get(0) != 1 && m.get(0) != batch)) {
            throw new StrataException("mask must be [1 or " + batch + ", " + seq + ", " + seq + "], got " + m);
        }
        checkRange(positions, config.maxPositions(), "position", "max_position_embeddings of " + config.source());
        if (config.slidingWindow() > 0) {
            try (NDArray highest = positions.max()) {
                checkWindow(highest.getLong() + 1);
            }
        }
    }

    /** Every value of {@code ids} must lie in 0 .. limit-1. */
    private static void checkRange(NDArray ids, int limit, String what, String range) {
        try (NDArray lowest = ids.min(); NDArray highest = ids.max()) {
            long min = lowest.getLong();
            long max = highest.getLong();
            if (min < 0 || max >= limit) {
                throw new StrataException(what + " " + (min < 0 ? min : max) + " is outside " + range + " (0.."
                        + (limit - 1) + ")");
            }
        }
    }

    /** Additive mask [1, seq, seq]: 0 where a position may attend (itself and earlier), -inf elsewhere. */
    public static NDArray causalMask(NDManager scope, int seq) {
        NDArray positions = scope.arange(seq);
        NDArray future = positions.expandDims(0).gt(positions.expandDims(1));
        Shape square = new Shape(seq, seq);
        return NDArrays.where(future, scope.full(square, Float.NEGATIVE_INFINITY), scope.zeros(square)).expandDims(0);
    }

    /**
     * The model as checkpoint tensors in the storage type of the original config, with the original side files
     * (tokenizer, generation config); config.json reflects the current number of layers.
     */
    public Checkpoint toCheckpoint() {
        requireHeld("copying its weights");
        DType storage = config.dtype();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(LlamaLayout.EMBED, tensor(LlamaLayout.EMBED, storage, embeddings));
        for (int l = 0; l < layers.size(); l++) {
            for (LayerTensor t : LayerTensor.of(config)) {
                put(tensors, t, l, storage, layers.get(l).weight(t));
            }
        }
        tensors.put(LlamaLayout.FINAL_NORM, tensor(LlamaLayout.FINAL_NORM, storage, finalNorm.weight()));
        if (!config.tieWordEmbeddings()) {
            tensors.put(LlamaLayout.LM_HEAD, tensor(LlamaLayout.LM_HEAD, storage, lmHead));
        }
        return new Checkpoint(config, tensors, assets);
    }

    private static void put(Map<String, Tensor> out, LayerTensor kind, int layer, DType storage, NDArray array) {
        out.put(kind.name(layer), tensor(kind.name(layer), storage, array));
    }

    private static Tensor tensor(String name, DType storage, NDArray array) {
        Tensor t = Tensor.allocate(name, storage, array.getShape().getShape());
        t.buffer().put(array.toType(DataType.FLOAT32, false).toByteBuffer());
        return t;
    }

    @Override
    public void close() {
        if (ownsManager) {
            manager.close();
        }
    }
}
