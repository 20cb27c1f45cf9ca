package dev.strata.pipeline.score;

import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.util.Progress;
import java.util.Iterator;

/**
 * Runs the capturing forward pass over calibration windows and accumulates their statistics. The same code
 * serves a local run and each Spark partition; batches are formed by window id (see {@link TokenWindow}).
 */
public final class Scorer {
    private Scorer() {
    }

    /**
     * @param windowsById windows in increasing id order, streamed
     * @param progress where to report, or null
     */
    public static CalibrationStats score(LlamaModel model, Iterator<TokenWindow> windowsById, int batchSize,
            Progress progress) {
        return WindowStatistic.accumulate(model, windowsById, batchSize, CalibrationStats::forModel, progress);
    }
}
