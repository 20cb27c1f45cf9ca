package dev.strata.pipeline.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.forward.Capture;
import dev.strata.pipeline.forward.DecoderLayer;
import dev.strata.pipeline.forward.Devices;
import dev.strata.pipeline.forward.LlamaModel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;

/**
 * Trains one layer of a model on the language-model loss (mean next-token cross-entropy of the training text), every
 * other weight frozen: LLM-Streamline's alternative to hidden-state MSE for the replacement of a pruned block.
 */
public final class LanguageModelTuning {
    private LanguageModelTuning() {
    }

    /**
     * @param model the model with the layer before training (copied, not changed)
     * @param layer index of the trained layer in {@code model}
     * @param part the weights of that layer that are trained
     */
    public static TrainedLayer train(LlamaModel model, int layer, TrainableLayers.Part part,
            Supplier<Iterator<TokenWindow>> epoch, TrainSettings s, int totalSteps, String stage) {
        if (layer < 0 || layer >= model.layers().size()) {
            throw new StrataException("layer " + layer + " does not exist (the model has layers 0.."
                    + (model.layers().size() - 1) + ")");
        }
        NDManager weights = NDManager.newBaseManager(model.device(), Devices.engine().getEngineName());
        try {
            DecoderLayer trained = TrainableLayers.copy(model.layers().get(layer), weights, part);
            List<DecoderLayer> layers = new ArrayList<>(model.layers());
            layers.set(layer, trained);
            LlamaModel trainee = model.withLayers(layers);
            AdamW adam = new AdamW(TrainableLayers.parameters(trained, part), s, totalSteps);
            TrainingLosses losses = TrainingLoop.run(epoch, s, totalSteps, stage, batch -> {
                try (NDManager scope = weights.newSubManager()) {
                    NDArray tokens = model.tokens(scope, batch.stream().map(TokenWindow::tokens).toList());
                    double loss;
                    try (Autograd rec = Autograd.record()) {
                        NDArray ce = nextTokenLoss(trainee.forward(tokens, Capture.LOGITS).logits(), tokens);
                        rec.backward(ce);
                        loss = ce.getFloat();
                    }
                    adam.step();
                    return loss;
                }
            });
            return new TrainedLayer(trained, weights, losses);
        } catch (RuntimeException | Error ex) { // whatever failed, the weights' native memory is released
            weights.close();
            throw ex;
        }
    }

    /** As a training task: student layer {@code layer} learns the next-token loss, the rest frozen. */
    public record Task(String name, int layer, TrainableLayers.Part part, TrainSettings settings) implements TrainingTask {
        @Override
        public Trained train(LlamaModel teacher, LlamaModel student, Supplier<Iterator<TokenWindow>> epoch,
                int totalSteps) {
            return LanguageModelTuning.train(student, layer, part, epoch, settings, totalSteps, name).asLayer(layer);
        }
    }

    /** Mean over positions 0 .. seq-2 of -log p(token[t+1] | tokens[..t]); logits [batch, seq, vocab]. */
    static NDArray nextTokenLoss(NDArray logits, NDArray tokens) {
        NDArray predictions = logits.get(":, :-1, :").logSoftmax(-1);
        NDArray next = tokens.get(":, 1:").toType(DataType.INT64, false).expandDims(-1);
        return predictions.gather(next, -1).mean().neg();
    }
}
