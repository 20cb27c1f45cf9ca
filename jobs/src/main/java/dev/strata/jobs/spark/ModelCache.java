package dev.strata.jobs.spark;

import ai.djl.Device;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.ModelFiles;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.forward.ComputeType;
import dev.strata.pipeline.forward.MemoryBudget;
import dev.strata.pipeline.model.ModelFolder;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The models of one JVM (an executor, or the driver in local mode): each model folder is opened once per device
 * (held whole, or streamed when larger than the memory budget) and shared by every task of the JVM. Models are keyed by path, version (modification times and sizes of the
 * folder's files) and device, so a folder rewritten in place is loaded again. Tasks hold a {@link Lease}; the
 * least recently used models beyond {@link #CAPACITY} are closed once no task holds them.
 */
public final class ModelCache {
    /** Models kept loaded at most (beyond those in use), unless a task needs more at once ({@link #keepAtLeast}). */
    public static final int CAPACITY = 2;
    /** The Spark setting that carries --memory-budget to executors. */
    public static final String BUDGET_CONF = "spark.strata.memoryBudget";
    /** The Spark setting that carries --dtype (the compute type) to executors. */
    public static final String DTYPE_CONF = "spark.strata.dtype";
    private static int capacity = CAPACITY;
    private static final Logger LOG = LogManager.getLogger(ModelCache.class);
    private static final Map<String, Entry> MODELS = new LinkedHashMap<>(8, 0.75f, true);

    private ModelCache() {
    }

    private static final class Entry {
        final LlamaModel model;
        int leases;
        boolean evicted;

        Entry(LlamaModel model) {
            this.model = model;
        }
    }

    /** A model in use by a task; closing the lease releases it. */
    public static final class Lease implements AutoCloseable {
        private final Entry entry;
        private boolean closed;

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public LlamaModel model() {
            return entry.model;
        }

        @Override
        public void close() {
            synchronized (MODELS) {
                if (!closed) {
                    closed = true;
                    entry.leases--;
                    if (entry.evicted && entry.leases == 0) {
                        entry.model.close();
                    }
                }
            }
        }
    }

    /** The model at {@code modelDir} on {@code device}, loaded on first use in this JVM. */
    public static Lease acquire(String modelDir, Device device) {
        Configuration conf = HadoopFiles.configuration();
        Path dir = HadoopFiles.path(modelDir);
        String key = dir + "@" + ModelFiles.version(dir, conf) + "@" + device;
        synchronized (MODELS) {
            Entry entry = MODELS.get(key);
            if (entry == null) {
                long start = System.nanoTime();
                java.nio.file.Path local = ModelFiles.local(dir, conf);
                entry = new Entry(LlamaModel.open(local, device, budget(),
                        compute(device, ModelFolder.readConfig(local).dtype())));
                LOG.info("loaded {} on {} in {} s ({})", modelDir, device,
                        String.format("%.1f", (System.nanoTime() - start) / 1e9), entry.model.config());
                MODELS.put(key, entry);
                evictBeyondCapacity();
            }
            entry.leases++;
            return new Lease(entry);
        }
    }

    /** --memory-budget as the driver passed it on (spark.strata.memoryBudget), else this JVM's default. */
    static MemoryBudget budget() {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        if (env != null && env.conf().contains(BUDGET_CONF)) {
            return MemoryBudget.parse(env.conf().get(BUDGET_CONF), BUDGET_CONF);
        }
        return MemoryBudget.current();
    }

    /** --dtype as the driver passed it on (spark.strata.dtype), else the default for the device and checkpoint. */
    static ComputeType compute(Device device, dev.strata.pipeline.model.DType checkpoint) {
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        if (env != null && env.conf().contains(DTYPE_CONF)) {
            return ComputeType.parse(env.conf().get(DTYPE_CONF), DTYPE_CONF);
        }
        return ComputeType.current(device, checkpoint);
    }

    /**
     * Keeps at least {@code models} models loaded from now on: a task that uses several at once (a base and its
     * variants) would otherwise evict, at the end of each task, models the next task loads again.
     */
    public static void keepAtLeast(int models) {
        synchronized (MODELS) {
            capacity = Math.max(capacity, models);
        }
    }

    private static void evictBeyondCapacity() {
        Iterator<Entry> oldestFirst = MODELS.values().iterator();
        int excess = MODELS.size() - capacity;
        while (excess > 0 && oldestFirst.hasNext()) {
            Entry e = oldestFirst.next();
            oldestFirst.remove();
            excess--;
            e.evicted = true;
            if (e.leases == 0) {
                e.model.close();
            }
        }
    }
}
