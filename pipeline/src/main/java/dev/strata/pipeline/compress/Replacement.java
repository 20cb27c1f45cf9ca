package dev.strata.pipeline.compress;

import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.Tensor;
import dev.strata.pipeline.surgery.LayerWeights;
import dev.strata.pipeline.train.TrainableLayers;
import dev.strata.pipeline.util.Choices;
import java.util.EnumMap;
import java.util.Map;

/**
 * What LLM-Streamline puts where a pruned block was. Every replacement is a standard Llama decoder layer, so the
 * result loads wherever a Llama loads:
 * <ul>
 *   <li>{@code layer}: a decoder layer, initialised from the block's first layer, all of it trained;</li>
 *   <li>{@code ffn}: a feed-forward network only (SwiGLU, of the model's intermediate size, initialised from the
 *       first layer's MLP), written as a decoder layer whose attention weights are zero: its o_proj is zero, so
 *       attention adds nothing to the residual stream and only the MLP (and its norm) is trained;</li>
 *   <li>{@code none}: nothing; the block is removed (the untrained prune).</li>
 * </ul>
 */
public enum Replacement {
    LAYER,
    FFN,
    NONE;

    private static final LayerTensor[] ATTENTION = {LayerTensor.Q_PROJ, LayerTensor.K_PROJ, LayerTensor.V_PROJ,
        LayerTensor.Q_BIAS, LayerTensor.K_BIAS, LayerTensor.V_BIAS, LayerTensor.O_PROJ};

    public String id() {
        return Choices.id(this);
    }

    /** True when something is put in the block's place (and trained). */
    public boolean isTrained() {
        return this != NONE;
    }

    /** What the replacement is in a plan; refused for {@code none}. */
    public LayerOrigin.Kind kind() {
        return switch (this) {
            case LAYER -> LayerOrigin.Kind.REPLACEMENT_LAYER;
            case FFN -> LayerOrigin.Kind.REPLACEMENT_FFN;
            case NONE -> throw new IllegalStateException("the replacement 'none' is no layer");
        };
    }

    /** The weights trained. */
    public TrainableLayers.Part trainedPart() {
        return kind().trainedPart();
    }

    /** The replacement before training, built from the block's first layer; refused for {@code none}. */
    public LayerWeights initial(LayerWeights first) {
        return switch (this) {
            case LAYER -> first;
            case FFN -> {
                Map<LayerTensor, Tensor> tensors = new EnumMap<>(first.tensors());
                for (LayerTensor t : ATTENTION) {
                    Tensor w = first.get(t);
                    if (w != null) { // biases only where the architecture has them
                        tensors.put(t, Tensor.allocate(w.name(), w.dtype(), w.shape()));
                    }
                }
                yield new LayerWeights(tensors);
            }
            case NONE -> throw new IllegalStateException("the replacement 'none' has no weights");
        };
    }

    /**
     * Parameters the replacement adds to the model, counting what computes: a whole layer, the MLP and its norm of an
     * FFN (its zero attention weights are stored but contribute nothing), nothing for {@code none}.
     */
    public long parameters(LlamaConfig c) {
        long d = c.hiddenSize();
        long mlp = 3 * d * c.intermediateSize() + d;
        return switch (this) {
            case LAYER -> c.withNumLayers(2).parameterCount() - c.withNumLayers(1).parameterCount();
            case FFN -> mlp;
            case NONE -> 0;
        };
    }
}
