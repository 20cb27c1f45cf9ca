package dev.strata.pipeline.model;

import dev.strata.pipeline.StrataException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A model folder's weights where they are stored: validated as a whole (config, names, shapes, byte ranges) when
 * opened, read only when asked: a tensor whole, a block of its rows, or a stream of it. What a pass over a model
 * larger than memory reads from, a layer or a block at a time; {@link ModelFolder#read} loads every tensor from it.
 */
public final class StoredWeights implements ModelWeights {
    private final LlamaConfig config;
    private final Map<String, byte[]> assets;
    private final Map<String, Safetensors.Entry> entries;
    private final Map<String, Safetensors.Header> headers;
    private final List<String> order;

    /** @param entries the tensors the model uses, in the layout's order, each with the header of its file */
    StoredWeights(LlamaConfig config, Map<String, Safetensors.Entry> entries, Map<String, Safetensors.Header> headers,
            Map<String, byte[]> assets) {
        this.config = config;
        this.assets = Map.copyOf(assets);
        this.entries = Map.copyOf(entries);
        this.headers = Map.copyOf(headers);
        this.order = List.copyOf(entries.keySet());
    }

    @Override
    public LlamaConfig config() {
        return config;
    }

    @Override
    public Map<String, byte[]> assets() {
        return assets;
    }

    @Override
    public List<String> names() {
        return order;
    }

    /** A tensor's header entry (its type, shape and bytes). */
    public Safetensors.Entry entry(String name) {
        Safetensors.Entry e = entries.get(name);
        if (e == null) {
            throw new StrataException("the model has no tensor '" + name + "'");
        }
        return e;
    }

    /**
     * A tensor read whole, refused when it holds a NaN or an infinity: such weights would load and run, and surface
     * only as NaN perplexities and scores (half-precision values are widened exactly, so theirs are seen too).
     */
    @Override
    public Tensor load(String name) {
        Safetensors.Header header = headers.get(name);
        Tensor t = Safetensors.read(header, List.of(entry(name))).get(name);
        int bad = t.firstNonFinite();
        if (bad >= 0) {
            throw new StrataException(header.file() + ": tensor '" + name + "' holds " + t.floats().get(bad)
                    + " at element " + bad + "; the weights are not finite");
        }
        return t;
    }

    /** Rows [first, first + rows) of a tensor, along its first dimension. */
    public Tensor rows(String name, long first, int rows) {
        return Safetensors.readRows(headers.get(name), entry(name), first, rows);
    }

    /** Rows of a tensor by index (repeats allowed), along its first dimension: the embeddings of a batch's tokens. */
    public Tensor gather(String name, long[] rows) {
        return Safetensors.gatherRows(headers.get(name), entry(name), rows);
    }

    /** Bytes the weights take widened to F32: what holding the whole model in memory costs. */
    public long f32Bytes() {
        return order.stream().mapToLong(n -> entry(n).elementCount() * Float.BYTES).sum();
    }

    /** Bytes decoder layer {@code layer} takes widened to F32. */
    public long layerF32Bytes(int layer) {
        return LlamaLayout.LayerTensor.of(config).stream()
                .mapToLong(t -> entry(t.name(layer)).elementCount() * Float.BYTES).sum();
    }

    /** A tensor as a stream, decoded as it is read. */
    @Override
    public TensorStream stream(String name) {
        return Safetensors.stream(headers.get(name), entry(name));
    }

    /** The file holding a tensor. */
    public Path file(String name) {
        entry(name);
        return headers.get(name).file();
    }
}
