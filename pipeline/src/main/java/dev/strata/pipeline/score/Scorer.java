package dev.strata.pipeline.score;

import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.data.WindowBatches;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.util.Progress;
import java.util.Iterator;
import java.util.List;

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
        CalibrationStats stats = CalibrationStats.forModel(model);
        WindowBatches batches = new WindowBatches(windowsById, batchSize);
        while (batches.hasNext()) {
            List<TokenWindow> batch = batches.next();
            try (NDManager scope = model.newScope()) {
                stats.add(model.forward(model.tokens(scope, batch.stream().map(TokenWindow::tokens).toList()),
                        CalibrationStats.CAPTURE));
            }
            if (progress != null) {
                progress.advance(batch.size(), batch.stream().mapToLong(w -> w.tokens().length).sum());
            }
        }
        return stats;
    }
}
