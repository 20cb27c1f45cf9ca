package dev.strata.jobs.spark;

import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.WindowFiles;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.score.CalibrationStats;
import dev.strata.pipeline.score.WindowStatistic;
import dev.strata.pipeline.util.Progress;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Distributed passes over calibration windows: each Spark partition streams its own run of whole batches straight
 * from the Parquet files (one stage, no shuffle) and fills a statistic in its executor, the model loaded once per
 * executor JVM; the driver adds the partial sums with treeReduce. Batches follow window ids, never partitions, so
 * any master and any number of partitions see the same batches.
 */
public final class Scoring {
    /** Windows a task reads from Parquet at a time (at least one batch): few file opens, bounded memory. */
    static final int READ_CHUNK = 256;
    private static final Logger LOG = LogManager.getLogger(Scoring.class);

    private Scoring() {
    }

    /**
     * The statistic {@code factory} makes, filled with every window of {@code windowsPath} (ids 0 .. windows-1).
     *
     * @param label names the pass in progress lines ("scores")
     */
    public static <S extends WindowStatistic<S>> S accumulate(SparkSession spark, String model, Path windowsPath,
            long windows, int batch, int partitions, WindowStatistic.Factory<S> factory, String label) {
        WindowFiles files = WindowFiles.of(windowsPath, HadoopFiles.configuration());
        BatchPlan plan = BatchPlan.of(windows, batch, partitions);
        LOG.info("{}: {} windows in batches of {} over {} partition(s)", label, windows, batch, plan.partitions());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Integer> parts = IntStream.range(0, plan.partitions()).boxed().toList();
        return jsc.parallelize(parts, parts.size()).map(part -> {
            TaskResources.useTaskThreads();
            long from = plan.firstWindow(part);
            long to = plan.endWindow(part);
            Progress progress = new Progress(label + " part " + (part + 1) + "/" + plan.partitions(), to - from,
                    "windows");
            try (ModelCache.Lease lease = ModelCache.acquire(model, TaskResources.device())) {
                Iterator<TokenWindow> byId = files.stream(from, to, Math.max(batch, READ_CHUNK),
                        HadoopFiles.configuration());
                return WindowStatistic.accumulate(lease.model(), byId, batch, factory, progress);
            }
        }).treeReduce((a, b) -> a.merge(b));
    }

    /** The calibration statistics (every layer, block and channel score) of {@code model} on the windows. */
    public static CalibrationStats score(SparkSession spark, String model, Path windowsPath, long windows, int batch,
            int partitions) {
        return accumulate(spark, model, windowsPath, windows, batch, partitions, CalibrationStats::forModel, "scores");
    }
}
