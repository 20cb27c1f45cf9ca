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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Trains layers of a model on the language-model loss (mean next-token cross-entropy of the training text), every
 * other weight frozen: LLM-Streamline's alternative to hidden-state MSE for the replacement of a pruned block (one
 * layer), and the full fine-tune of every decoder layer that makes GPTailor's variants.
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
        Trained t = trainLayers(model, List.of(layer), part, epoch, s, totalSteps, stage);
        return new TrainedLayer(t.layers().get(layer), t.weights(), t.losses());
    }

    /**
     * Trains {@code trainedLayers} of {@code model} together (their {@code part}), one AdamW over all their weights.
     * The model is copied, not changed; close the result when its layers are no longer used.
     */
    public static Trained trainLayers(LlamaModel model, List<Integer> trainedLayers, TrainableLayers.Part part,
            Supplier<Iterator<TokenWindow>> epoch, TrainSettings s, int totalSteps, String stage) {
        for (int layer : trainedLayers) {
            if (layer < 0 || layer >= model.layers().size()) {
                throw new StrataException("layer " + layer + " does not exist (the model has layers 0.."
                        + (model.layers().size() - 1) + ")");
            }
        }
        NDManager weights = NDManager.newBaseManager(model.device(), Devices.engine().getEngineName());
        try {
            List<DecoderLayer> layers = new ArrayList<>(model.layers());
            Map<Integer, DecoderLayer> trained = new LinkedHashMap<>();
            List<NDArray> parameters = new ArrayList<>();
            for (int layer : trainedLayers) {
                DecoderLayer copy = TrainableLayers.copy(model.layers().get(layer), weights, part);
                layers.set(layer, copy);
                trained.put(layer, copy);
                parameters.addAll(TrainableLayers.parameters(copy, part));
            }
            LlamaModel trainee = model.withLayers(layers);
            AdamW adam = new AdamW(parameters, s, totalSteps);
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
            return new Trained(trained, weights, losses);
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

    /**
     * As a training task: every decoder layer of the student learns the next-token loss (a full fine-tune of the
     * layers; the embeddings and the final norm stay the student's, so that fine-tuned variants share them and
     * their layers can be combined).
     */
    public record EveryLayer(String name, TrainSettings settings) implements TrainingTask {
        @Override
        public Trained train(LlamaModel teacher, LlamaModel student, Supplier<Iterator<TokenWindow>> epoch,
                int totalSteps) {
            List<Integer> all = java.util.stream.IntStream.range(0, student.layers().size()).boxed().toList();
            return trainLayers(student, all, TrainableLayers.Part.WHOLE_LAYER, epoch, settings, totalSteps, name);
        }
    }

    /** Mean over positions 0 .. seq-2 of -log p(token[t+1] | tokens[..t]); logits [batch, seq, vocab]. */
    static NDArray nextTokenLoss(NDArray logits, NDArray tokens) {
        NDArray predictions = logits.get(":, :-1, :").logSoftmax(-1);
        NDArray next = tokens.get(":, 1:").toType(DataType.INT64, false).expandDims(-1);
        return predictions.gather(next, -1).mean().neg();
    }
}
