package dev.strata.pipeline.train;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.data.WindowBatches;
import dev.strata.pipeline.util.Progress;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Epochs of batches streamed from a window source (opened again for every epoch, never held whole), one optimiser
 * step per batch, with the loss logged as progress.
 */
final class TrainingLoop {

    private TrainingLoop() {
    }

    /**
     * @param epoch opens the training windows, in a fixed order, for one pass
     * @param step runs one optimiser step on a batch and returns its loss
     * @return the losses of the first and the last step, and the mean loss of the last epoch
     */
    static TrainingLosses run(Supplier<Iterator<TokenWindow>> epoch, TrainSettings s, int totalSteps, String stage,
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
                double loss = step.applyAsDouble(batch);
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
        return new TrainingLosses(first, last, epochSum / Math.max(1, epochSteps), epochSteps * s.epochs());
    }
}
