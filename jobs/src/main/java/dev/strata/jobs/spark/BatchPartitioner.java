package dev.strata.jobs.spark;

import dev.strata.pipeline.data.TokenWindow;
import org.apache.spark.Partitioner;

/**
 * Places windows (keyed by id) so that every batch lies whole in one partition, and partitions hold contiguous
 * runs of batches. With rows sorted by id inside each partition, every partitioning runs exactly the same batches,
 * which is what makes scores independent of the number of partitions.
 */
public final class BatchPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;

    private final int partitions;
    private final long batches;
    private final int batchSize;

    public BatchPartitioner(int partitions, long windows, int batchSize) {
        this.batchSize = batchSize;
        this.batches = (windows + batchSize - 1) / batchSize;
        this.partitions = (int) Math.max(1, Math.min(partitions, batches));
    }

    @Override
    public int numPartitions() {
        return partitions;
    }

    @Override
    public int getPartition(Object key) {
        return partitionOfBatch(TokenWindow.batchOf((Long) key, batchSize));
    }

    private int partitionOfBatch(long batch) {
        return (int) (batch * partitions / batches);
    }

    /** Windows placed in {@code partition}, of {@code windows} numbered 0 .. windows-1. */
    public long windowsIn(int partition, long windows) {
        long count = 0;
        for (long b = 0; b < batches; b++) {
            if (partitionOfBatch(b) == partition) {
                count += Math.min(windows, (b + 1) * batchSize) - b * batchSize;
            }
        }
        return count;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BatchPartitioner p && p.partitions == partitions && p.batches == batches
                && p.batchSize == batchSize;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(partitions, batches, batchSize);
    }
}
