package dev.strata.pipeline.merge;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.Tensor;
import dev.strata.pipeline.model.TensorStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A merge's result before it is computed: each tensor is merged from the sources' tensors when it is written (or
 * loaded), one at a time, so that merging two 7B models holds a few tensors, not the models.
 */
final class MergedModel implements ModelWeights {
    /** One output tensor: its storage type and shape, and how to compute its values. */
    record Planned(DType dtype, long[] shape, Supplier<float[]> values) {
    }

    private final LlamaConfig config;
    private final Map<String, byte[]> assets;
    private final Map<String, Planned> tensors;

    MergedModel(LlamaConfig config, Map<String, byte[]> assets, Map<String, Planned> tensors) {
        this.config = config;
        this.assets = Map.copyOf(assets);
        this.tensors = new LinkedHashMap<>(tensors);
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
        return List.copyOf(tensors.keySet());
    }

    @Override
    public TensorStream stream(String name) {
        Planned p = planned(name);
        return TensorStream.of(name, p.dtype(), p.shape(), p.values().get());
    }

    @Override
    public Tensor load(String name) {
        Planned p = planned(name);
        return Tensor.of(name, p.dtype(), p.shape(), p.values().get());
    }

    private Planned planned(String name) {
        Planned p = tensors.get(name);
        if (p == null) {
            throw new StrataException("the merged model has no tensor '" + name + "'");
        }
        return p;
    }
}
