package dev.strata.pipeline.train;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.data.WindowBatches;
import dev.strata.pipeline.util.Progress;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Epochs of batches streamed from a window source (opened again for every epoch, never held whole), one optimiser
 * step per batch, with the loss logged as progress.
 *
 * <p>A step whose gradient is not finite made no update, so it is computed once more on the same batch from the
 * same weights (with a warning): rarely, and never reproducibly, a CPU step of the DJL/PyTorch stack has given a
 * NaN gradient where the same step computed again gives the run's usual one. A step that fails twice ends the
 * training with its error.
 */
final class TrainingLoop {
    private static final Logger LOG = LogManager.getLogger(TrainingLoop.class);

    private TrainingLoop() {
    }

    /**
     * @param epoch opens the training windows, in a fixed order, for one pass
     * @param step runs one optimiser step on a batch and returns its loss
     * @return the losses of the first and the last step, and the mean loss of the last epoch
     */
    static Losses run(Supplier<Iterator<TokenWindow>> epoch, TrainSettings s, int totalSteps, String stage,
            ToDoubleFunction<List<TokenWindow>> step) {
        Progress progress = new Progress(stage, totalSteps, "steps");
        double first = Double.NaN;
        double last = Double.NaN;
        double epochSum = 0;
        int epochSteps = 0;
        for (int e = 0; e < s.epochs(); e++) {
            epochSum = 0;
            epochSteps = 0;
            WindowBatches batches = new WindowBatches(epoch.get(), s.batch());
            while (batches.hasNext()) {
                List<TokenWindow> batch = batches.next();
                double loss = stepWithOneRetry(step, batch, stage, (epochSteps + 1) + " of epoch " + (e + 1));
                if (!Double.isFinite(loss)) {
                    throw new StrataException(stage + ": the loss became " + loss + " at step " + (epochSteps + 1)
                            + " of epoch " + (e + 1) + " (last finite loss " + last + "); lower the learning rate");
                }
                if (Double.isNaN(first)) {
                    first = loss;
                }
                last = loss;
                epochSum += loss;
                epochSteps++;
                long tokens = batch.stream().mapToLong(w -> w.tokens().length).sum();
                progress.advance(1, tokens, String.format("epoch %d/%d, loss %.5f", e + 1, s.epochs(), loss));
            }
        }
        return new Losses(first, last, epochSum / Math.max(1, epochSteps), epochSteps * s.epochs());
    }

    private static double stepWithOneRetry(ToDoubleFunction<List<TokenWindow>> step, List<TokenWindow> batch,
            String stage, String where) {
        try {
            return step.applyAsDouble(batch);
        } catch (NonFiniteGradientException ex) {
            LOG.warn("{}: step {}: {}; computing the step again", stage, where, ex.getMessage());
            return step.applyAsDouble(batch);
        }
    }

    /** @param lastEpochMean the mean loss over the steps of the last epoch */
    record Losses(double first, double last, double lastEpochMean, int steps) {
    }
}
