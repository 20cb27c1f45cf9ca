package dev.strata.pipeline.score;

import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.data.WindowBatches;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.util.Progress;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;

/**
 * Sums over calibration windows, filled batch by batch by running a model, and merged by addition: each Spark
 * partition fills one from its own windows and the driver adds them up, so a statistic does not depend on how the
 * windows were partitioned (up to the order of double additions). Batches are formed by window id, so local and
 * distributed runs see the same batches.
 *
 * @param <S> the statistic itself
 */
public interface WindowStatistic<S extends WindowStatistic<S>> extends Serializable {
    /** Adds one batch of windows (of equal length), run through {@code model}. */
    void add(LlamaModel model, List<TokenWindow> batch);

    /** Adds another statistic of the same model to this one and returns this. */
    S merge(S other);

    /** Makes the empty statistic of a model (on the executor that runs it). */
    @FunctionalInterface
    interface Factory<S extends WindowStatistic<S>> extends Serializable {
        S empty(LlamaModel model);
    }

    /**
     * The statistic of {@code model} over windows streamed in increasing id order, by batches of {@code batchSize}.
     *
     * @param progress where to report, or null
     */
    static <S extends WindowStatistic<S>> S accumulate(LlamaModel model, Iterator<TokenWindow> windowsById,
            int batchSize, Factory<S> factory, Progress progress) {
        S stats = factory.empty(model);
        WindowBatches batches = new WindowBatches(windowsById, batchSize);
        while (batches.hasNext()) {
            List<TokenWindow> batch = batches.next();
            stats.add(model, batch);
            if (progress != null) {
                progress.advance(batch.size(), batch.stream().mapToLong(w -> w.tokens().length).sum());
            }
        }
        return stats;
    }
}
