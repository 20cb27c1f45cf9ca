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
                double loss = stepWithin(step, batch, stage, epochSteps + 1, e + 1, s);
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

    /**
     * One step, an exhausted memory turned into an error that says what to change: the step's tensors are released
     * by the trainer's scopes, and the task fails with one line instead of the JVM (or Spark's executor) dying.
     */
    private static double stepWithin(ToDoubleFunction<List<TokenWindow>> step, List<TokenWindow> batch, String stage,
            int stepInEpoch, int epoch, TrainSettings s) {
        try {
            return step.applyAsDouble(batch);
        } catch (OutOfMemoryError ex) {
            throw outOfMemory(stage, stepInEpoch, epoch, s, ex.getMessage());
        } catch (ai.djl.engine.EngineException ex) {
            String m = String.valueOf(ex.getMessage());
            if (m.contains("out of memory") || m.contains("can't allocate memory") || m.contains("not enough memory")) {
                throw outOfMemory(stage, stepInEpoch, epoch, s, m.lines().findFirst().orElse(m));
            }
            throw ex;
        }
    }

    private static StrataException outOfMemory(String stage, int stepInEpoch, int epoch, TrainSettings s, String why) {
        return new StrataException(stage + ": out of memory at step " + stepInEpoch + " of epoch " + epoch + " ("
                + why + "); lower the batch (" + s.batch() + " windows) or give the executors more memory");
    }
}
