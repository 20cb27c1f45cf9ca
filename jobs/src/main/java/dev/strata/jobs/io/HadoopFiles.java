package dev.strata.jobs.io;

import dev.strata.pipeline.StrataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import scala.Tuple2;

/**
 * Paths on any Hadoop file system (local, hdfs://, s3a://, ...). The configuration takes the "spark.hadoop.*"
 * settings a job is started with (spark-submit --conf, or -D on the command line), as Spark itself does, so files
 * can be read and checked on the driver before any Spark stage starts.
 */
public final class HadoopFiles {
    private static final String SPARK_PREFIX = "spark.hadoop.";

    private HadoopFiles() {
    }

    /**
     * A Hadoop configuration with every spark.hadoop.* setting applied: from system properties (the driver, before
     * Spark starts) and from the running Spark environment's configuration (the driver and every executor), and
     * bounded s3a retries and timeouts where none are set ({@link S3aDefaults}).
     */
    public static Configuration configuration() {
        Configuration conf = new Configuration();
        for (Map.Entry<Object, Object> e : System.getProperties().entrySet()) {
            apply(conf, e.getKey().toString(), e.getValue().toString());
        }
        SparkEnv env = SparkEnv.get();
        if (env != null) {
            for (Tuple2<String, String> e : env.conf().getAll()) {
                apply(conf, e._1(), e._2());
            }
        }
        S3aDefaults.apply(conf);
        return conf;
    }

    /**
     * The spark.hadoop.* settings that give Spark's own Hadoop configuration (its Parquet reads and writes, on the
     * driver and every executor) the bounded s3a defaults of {@link #configuration()}: those the user has not set.
     */
    public static Map<String, String> sparkDefaults() {
        return S3aDefaults.taken(configuration(), SPARK_PREFIX);
    }

    private static void apply(Configuration conf, String key, String value) {
        if (key.startsWith(SPARK_PREFIX)) {
            conf.set(key.substring(SPARK_PREFIX.length()), value);
        }
    }

    /**
     * The path a person typed, qualified as Spark does: with its scheme when it has one (s3a://, hdfs://, file:),
     * else on the default file system (the local one unless fs.defaultFS says otherwise), relative paths against
     * the working directory. Glob characters are kept.
     */
    public static Path path(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new StrataException("a path is empty");
        }
        Path p = new Path(spec);
        return fileSystem(p, configuration()).makeQualified(p);
    }

    /** A path as people read it: local paths without their file: scheme. */
    public static String display(Path path) {
        return isLocal(path) ? path.toUri().getPath() : path.toString();
    }

    /**
     * What to add to "does not exist" for a local path when this JVM is a driver in cluster deploy mode: it runs on a
     * cluster node, in a folder of its own, and sees none of the submitting machine's files. Else "".
     */
    public static String clusterHint(Path path) {
        if (!isLocal(path) || !"cluster".equals(System.getProperty("spark.submit.deployMode"))) {
            return "";
        }
        return " on the driver (in cluster deploy mode the driver runs on a cluster node and sees only that node's files: "
                + "give an hdfs:// or s3a:// path)";
    }

    /** The file system of {@code path}. */
    public static FileSystem fileSystem(Path path, Configuration conf) {
        try {
            return path.getFileSystem(conf);
        } catch (IOException ex) {
            throw new StrataException(display(path) + ": cannot open its file system: " + ex.getMessage(), ex);
        }
    }

    /** True when {@code path} is on the local file system. */
    public static boolean isLocal(Path path) {
        String scheme = path.toUri().getScheme();
        return scheme == null || scheme.equals("file");
    }

    /** True when {@code path} exists. */
    public static boolean exists(Path path, Configuration conf) {
        try {
            return fileSystem(path, conf).exists(path);
        } catch (IOException ex) {
            throw failure(path, "look up", ex);
        }
    }

    /** A small file's text (UTF-8); a missing file is an error naming it, with {@code hint} appended. */
    public static String readText(Path file, Configuration conf, String hint) {
        try (java.io.InputStream in = fileSystem(file, conf).open(file)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.FileNotFoundException ex) {
            throw new StrataException(display(file) + ": does not exist" + hint);
        } catch (IOException ex) {
            throw failure(file, "read", ex);
        }
    }

    /**
     * Wraps an I/O error with the path it happened on; a store that cannot be reached is one line for people, naming
     * what to check.
     */
    public static RuntimeException failure(Path path, String what, IOException ex) {
        String unreachable = Unreachable.describe(path, configuration(), ex);
        if (unreachable != null) {
            return new StrataException(display(path) + ": cannot " + what + ": " + unreachable, ex);
        }
        return new UncheckedIOException(display(path) + ": cannot " + what + ": " + ex.getMessage(), ex);
    }
}
