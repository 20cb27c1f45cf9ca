package dev.strata.pipeline.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.forward.Capture;
import dev.strata.pipeline.forward.DecoderLayer;
import dev.strata.pipeline.forward.Devices;
import dev.strata.pipeline.forward.ForwardOutput;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.forward.Rope;
import java.util.Iterator;
import java.util.function.Supplier;

/**
 * Trains one layer standing for teacher layers [start, end): fed the teacher's hidden state h_start, the layer learns
 * to reproduce the teacher's h_end (mean squared error). This is stage 1 of CoMe's hierarchical distillation (a
 * merged layer for its group) and LLM-Streamline's replacement training (one layer for a pruned block). Each batch's
 * pair is computed by the teacher on the fly, so the training pairs are never stored.
 */
public final class LayerDistillation {
    private LayerDistillation() {
    }

    /**
     * @param init the student layer before training (copied, not changed)
     * @param part the weights trained (the others stay as in {@code init})
     * @param epoch opens the training windows for one pass
     * @param totalSteps optimiser steps of the whole run (for the schedule)
     */
    public static TrainedLayer train(LlamaModel teacher, DecoderLayer init, TrainableLayers.Part part, int start, int end,
            Supplier<Iterator<TokenWindow>> epoch, TrainSettings s, int totalSteps, String stage) {
        int layers = teacher.config().numLayers();
        if (start < 0 || end <= start || end > layers) {
            throw new StrataException("teacher layers [" + start + ", " + end + ") are not a group of the teacher's "
                    + layers + " layers");
        }
        NDManager weights = NDManager.newBaseManager(teacher.device(), Devices.engine().getEngineName());
        try {
            DecoderLayer layer = TrainableLayers.copy(init, weights, part);
            AdamW adam = new AdamW(TrainableLayers.parameters(layer, part), s, totalSteps);
            LlamaModel prefix = teacher.firstLayers(end);
            TrainingLosses losses = TrainingLoop.run(epoch, s, totalSteps, stage, batch -> {
                try (NDManager scope = weights.newSubManager()) {
                    NDArray tokens = teacher.tokens(scope, batch.stream().map(TokenWindow::tokens).toList());
                    ForwardOutput t = prefix.forward(tokens, Capture.HIDDEN);
                    return step(layer, teacher.rope(), t.hiddenStates().get(start), t.hiddenStates().get(end), adam);
                }
            });
            return new TrainedLayer(layer, weights, losses);
        } catch (RuntimeException | Error ex) { // whatever failed, the weights' native memory is released
            weights.close();
            throw ex;
        }
    }

    /**
     * As a training task: student layer {@code layer}, standing for teacher layers [start, end), learns the teacher's
     * hidden state at end from the one at start.
     */
    public record Task(String name, int layer, TrainableLayers.Part part, int start, int end, TrainSettings settings)
            implements TrainingTask {
        @Override
        public Trained train(LlamaModel teacher, LlamaModel student, Supplier<Iterator<TokenWindow>> epoch,
                int totalSteps) {
            return LayerDistillation.train(teacher, student.layers().get(layer), part, start, end, epoch, settings,
                    totalSteps, name).asLayer(layer);
        }
    }

    /** One optimiser step on MSE(layer(input), target); returns the loss before the step. */
    static double step(DecoderLayer layer, Rope rope, NDArray input, NDArray target, AdamW adam) {
        NDManager scope = input.getManager();
        int seq = (int) input.getShape().get(1);
        Rope.Tables tables = rope.tables(scope, seq);
        NDArray mask = LlamaModel.causalMask(scope, seq);
        double loss;
        try (Autograd rec = Autograd.record()) {
            NDArray out = layer.forward(input, tables, mask, Capture.NONE).hidden();
            NDArray mse = out.sub(target).square().mean();
            rec.backward(mse);
            loss = mse.getFloat();
        }
        adam.step();
        return loss;
    }
}
