package dev.strata.jobs.spark;

import dev.strata.jobs.io.HadoopFiles;
import org.apache.spark.sql.SparkSession;

/**
 * The SparkSession of a command. Under spark-submit the master and settings come from spark-submit; run directly,
 * Strata embeds Spark with master local[*] (or --master), and the same jar runs on a cluster unchanged.
 */
public final class Sessions {
    public static final String DEFAULT_MASTER = "local[*]";

    private Sessions() {
    }

    /**
     * The session for {@code master} (null: spark-submit's master when there is one, else local[*]).
     *
     * @param app names the job in Spark's UI and logs
     */
    public static SparkSession start(String master, String app) {
        SparkSession.Builder builder = SparkSession.builder().appName("strata " + app);
        String chosen = master != null ? master : System.getProperty("spark.master", DEFAULT_MASTER);
        builder.master(chosen);
        org.apache.logging.log4j.LogManager.getLogger(Sessions.class).info("spark: starting {} ({})", app, chosen);
        HadoopFiles.sparkDefaults().forEach(builder::config);
        String budget = System.getProperty(dev.strata.pipeline.forward.MemoryBudget.PROPERTY);
        if (budget != null) {
            builder.config(ModelCache.BUDGET_CONF, budget);
        }
        String dtype = System.getProperty(dev.strata.pipeline.forward.ComputeType.PROPERTY);
        if (dtype != null) {
            builder.config(ModelCache.DTYPE_CONF, dtype);
        }
        if (chosen.startsWith("local")) {
            builder.config("spark.ui.showConsoleProgress", "false")
                    .config("spark.driver.host", System.getProperty("spark.driver.host", "127.0.0.1"))
                    .config("spark.sql.shuffle.partitions", System.getProperty("spark.sql.shuffle.partitions", "8"));
        }
        SparkSession session = builder.getOrCreate();
        session.sparkContext().addSparkListener(new StageProgress());
        return session;
    }

    /**
     * A session started on first use and stopped on close: a job checks its inputs before anything starts Spark.
     * A {@code master} given (the --master option) is checked now.
     */
    public static Lazy lazy(String master, String app) {
        return new Lazy(master == null ? null : MasterUrl.check(master, "--master"), app);
    }

    /** See {@link #lazy}. */
    public static final class Lazy implements java.util.function.Supplier<SparkSession>, AutoCloseable {
        private final String master;
        private final String app;
        private SparkSession session;

        private Lazy(String master, String app) {
            this.master = master;
            this.app = app;
        }

        @Override
        public synchronized SparkSession get() {
            if (session == null) {
                session = start(master, app);
            }
            return session;
        }

        @Override
        public synchronized void close() {
            if (session != null) {
                session.stop();
                session = null;
            }
        }
    }
}
