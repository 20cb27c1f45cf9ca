package dev.strata.jobs.spark;

import java.io.Serializable;

/**
 * Splits windows 0 .. windows-1 into batches of {@code batchSize} (by id) and gives each partition a contiguous run
 * of whole batches. Every partitioning therefore runs exactly the same batches, which is what makes the scores
 * independent of the number of partitions.
 */
public record BatchPlan(long windows, int batchSize, int partitions) implements Serializable {

    /** A plan with at most {@code requested} partitions and none empty. */
    public static BatchPlan of(long windows, int batchSize, int requested) {
        long batches = (windows + batchSize - 1) / batchSize;
        return new BatchPlan(windows, batchSize, (int) Math.max(1, Math.min(requested, batches)));
    }

    public long batches() {
        return (windows + batchSize - 1) / batchSize;
    }

    /** The first window of {@code partition}. */
    public long firstWindow(int partition) {
        return Math.min(windows, firstBatch(partition) * batchSize);
    }

    /** One past the last window of {@code partition}. */
    public long endWindow(int partition) {
        return Math.min(windows, firstBatch(partition + 1) * batchSize);
    }

    private long firstBatch(int partition) {
        return batches() * partition / partitions;
    }
}
