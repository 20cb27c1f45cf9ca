package dev.strata.jobs.spark;

import dev.strata.jobs.io.CalibrationText;
import dev.strata.pipeline.eval.DataHalf;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.forward.Devices;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.score.Scorer;
import dev.strata.pipeline.tokenize.Tokenizer;
import dev.strata.pipeline.util.AtomicDirectory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

/**
 * Measures the calibration job in one run: tokens/s of the capturing forward pass alone (one thread, no Spark),
 * of the Spark job on local[1] and on local[2] (one PyTorch thread per task, as spark.task.cpus = 1), and the
 * memory of the job on the calibration set and on ten times as many windows.
 */
public final class CalibrateBenchmark {
    private static final Logger LOG = LogManager.getLogger(CalibrateBenchmark.class);
    /** Timed runs per setting; the best counts (this machine's speed drifts by several percent). */
    private static final int RUNS = 3;

    private CalibrateBenchmark() {
    }

    /**
     * Memory of one scoring job: heap at its peak (garbage included), the most heap still live after any garbage
     * collection during the job, and the peak resident set of the process (native tensor memory included).
     */
    public record Memory(long windows, double peakHeapMb, double peakLiveHeapMb, double peakRssMb) {
    }

    /** Steady-state rates (after a warm-up run per setting) and the two memory measurements. */
    public record Result(long windows, int seqLen, int batch, double forwardTokensPerSecond,
            double twoForwardsTokensPerSecond, double local1TokensPerSecond, double local2TokensPerSecond, Memory small,
            Memory large) {
        public double local2OverLocal1() {
            return local2TokensPerSecond / local1TokensPerSecond;
        }

        /** What two cores give without Spark: two forward threads side by side over one. */
        public double twoThreadsOverOne() {
            return twoForwardsTokensPerSecond / forwardTokensPerSecond;
        }

        /** Time the Spark job adds to the forward pass alone, as a fraction of the forward's time (local[1]). */
        public double sparkOverhead() {
            return forwardTokensPerSecond / local1TokensPerSecond - 1;
        }
    }

    public static Result run(String model, String data, Integer seqLenOption, int samples, int batch, long seed) {
        Configuration conf = HadoopFiles.configuration();
        Path modelDir = Path.of(HadoopFiles.path(model).toUri());
        LlamaConfig config = ModelFolder.readConfig(modelDir);
        int seqLen = seqLenOption != null ? seqLenOption : config.maxPositions();
        List<TokenWindow> windows;
        try (Tokenizer tokenizer = Tokenizer.load(modelDir, config)) {
            windows = CalibrationText.windows(data, DataHalf.ALL, conf, tokenizer, seqLen, samples, seed).windows();
        }
        List<TokenWindow> tenfold = new ArrayList<>();
        for (int copy = 0; copy < 10; copy++) {
            for (TokenWindow w : windows) {
                tenfold.add(new TokenWindow(tenfold.size(), w.offset(), w.tokens()));
            }
        }
        long tokens = (long) samples * seqLen;
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("strata-bench-");
            double forward = forwardAlone(modelDir, windows, batch, tokens, 1);
            double twoForwards = forwardAlone(modelDir, windows, batch, tokens, 2);
            String small = scratch.resolve("windows").toString();
            String large = scratch.resolve("windows-10x").toString();
            double local1 = sparkRate("local[1]", model, small, windows, batch, tokens, null);
            Memory[] memory = new Memory[2];
            double local2 = sparkRate("local[2]", model, small, windows, batch, tokens, spark -> {
                memory[0] = measure(spark, model, small, windows.size(), batch);
                WindowTable.write(spark, tenfold, large);
                memory[1] = measure(spark, model, large, tenfold.size(), batch);
            });
            return new Result(samples, seqLen, batch, forward, twoForwards, local1, local2, memory[0], memory[1]);
        } catch (IOException ex) {
            throw new java.io.UncheckedIOException(ex);
        } finally {
            if (scratch != null) {
                AtomicDirectory.deleteQuietly(scratch);
            }
        }
    }

    /**
     * tokens/s of Scorer.score without Spark, best of three runs: the windows split over {@code threads} Java threads
     * (whole batches each), each with one PyTorch thread.
     */
    private static double forwardAlone(Path modelDir, List<TokenWindow> windows, int batch, long tokens, int threads) {
        try (LlamaModel m = LlamaModel.load(modelDir, ai.djl.Device.cpu())) {
            BatchPlan plan = BatchPlan.of(windows.size(), batch, threads);
            double best = 0;
            for (int run = 0; run < RUNS; run++) {
                List<Thread> workers = new ArrayList<>();
                for (int t = 0; t < plan.partitions(); t++) {
                    List<TokenWindow> share = windows.subList((int) plan.firstWindow(t), (int) plan.endWindow(t));
                    workers.add(new Thread(() -> {
                        Devices.setThreadsOfThisThread(1);
                        Scorer.score(m, share.iterator(), batch, null);
                    }, "bench-forward-" + t));
                }
                long start = System.nanoTime();
                workers.forEach(Thread::start);
                for (Thread w : workers) {
                    w.join();
                }
                best = Math.max(best, tokens / ((System.nanoTime() - start) / 1e9));
            }
            LOG.info("bench calibrate: forward alone on {} thread(s): {} tokens/s", threads, String.format("%,.0f", best));
            return best;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new StrataException("interrupted");
        }
    }

    private interface SessionWork {
        void accept(SparkSession spark);
    }

    /** tokens/s of the Spark scoring job on {@code master}, best of three runs after the windows are written. */
    private static double sparkRate(String master, String model, String path, List<TokenWindow> windows, int batch,
            long tokens, SessionWork more) {
        SparkSession spark = Sessions.start(master, "bench");
        try {
            if (!Files.exists(Path.of(path))) {
                WindowTable.write(spark, windows, path);
            }
            int partitions = spark.sparkContext().defaultParallelism();
            double best = 0;
            for (int run = 0; run < RUNS; run++) {
                long start = System.nanoTime();
                Scoring.score(spark, model, new org.apache.hadoop.fs.Path(path), windows.size(), batch, partitions);
                best = Math.max(best, tokens / ((System.nanoTime() - start) / 1e9));
            }
            LOG.info("bench calibrate: Spark {} {} tokens/s", master, String.format("%,.0f", best));
            if (more != null) {
                more.accept(spark);
            }
            return best;
        } finally {
            spark.stop();
        }
    }

    private static Memory measure(SparkSession spark, String model, String path, long windows, int batch) {
        System.gc();
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        boolean rssReset = resetPeakRss();
        try (LiveHeap live = new LiveHeap()) {
            Scoring.score(spark, model, new org.apache.hadoop.fs.Path(path), windows, batch,
                    spark.sparkContext().defaultParallelism());
            double peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum() / 1e6;
            double rss = rssReset ? peakRssKb() / 1e3 : Double.NaN;
            System.gc();
            double retained = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1e6;
            double liveMb = Math.max(live.peakMb(), retained);
            LOG.info("bench calibrate: {} windows: peak heap {} MB, peak live heap {} MB, peak RSS {} MB", windows,
                    String.format("%.0f", peak), String.format("%.0f", liveMb), String.format("%.0f", rss));
            return new Memory(windows, peak, liveMb, rss);
        }
    }

    /** The largest heap in use right after a garbage collection, over the collections while open. */
    private static final class LiveHeap implements AutoCloseable, javax.management.NotificationListener {
        private final List<javax.management.NotificationEmitter> emitters = new ArrayList<>();
        private volatile long peak;

        LiveHeap() {
            for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof javax.management.NotificationEmitter emitter) {
                    emitter.addNotificationListener(this, null, null);
                    emitters.add(emitter);
                }
            }
        }

        @Override
        public void handleNotification(javax.management.Notification n, Object handback) {
            if (!n.getType().equals(com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                return;
            }
            var info = com.sun.management.GarbageCollectionNotificationInfo.from(
                    (javax.management.openmbean.CompositeData) n.getUserData());
            long used = 0;
            for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP) {
                    var after = info.getGcInfo().getMemoryUsageAfterGc().get(pool.getName());
                    used += after == null ? 0 : after.getUsed();
                }
            }
            synchronized (this) {
                peak = Math.max(peak, used);
            }
        }

        double peakMb() {
            return peak / 1e6;
        }

        @Override
        public void close() {
            for (var e : emitters) {
                try {
                    e.removeNotificationListener(this);
                } catch (javax.management.ListenerNotFoundException ignored) {
                    // already gone
                }
            }
        }
    }

    /** Resets the kernel's peak-RSS mark of this process (Linux); false where that is not possible. */
    private static boolean resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | UnsupportedOperationException ex) {
            return false;
        }
    }

    private static long peakRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException ex) {
            return -1;
        }
        return -1;
    }
}
