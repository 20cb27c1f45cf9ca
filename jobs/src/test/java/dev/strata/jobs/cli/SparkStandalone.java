package dev.strata.jobs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on loopback, laid out as an operator's: a Spark installation (SPARK_HOME with jars/ and
 * bin/spark-submit), one Master and one Worker, each a JVM of its own; the Worker starts drivers and executors as
 * JVMs of their own. The installation's jars are the jobs module's provided and runtime dependencies (listed by the
 * -Pcluster build in the files {@value #CLASSPATH_PROPERTY} names: Spark, Hadoop, Parquet, Log4j and the libraries they
 * share with Strata) without Strata's own, DJL's and picocli's, which only the cluster jar brings; hadoop-aws and the AWS
 * SDK bundle sit in a folder of their own on SPARK_DIST_CLASSPATH, as the README tells operators to add them. Every
 * process is ended on close, and by a shutdown hook should the test JVM be stopped first.
 */
final class SparkStandalone implements AutoCloseable {
    /** The system property naming the files (comma-separated) that list the jars, one classpath line each. */
    static final String CLASSPATH_PROPERTY = "strata.classpath.files";
    /** What only the cluster jar may bring, by Maven path. */
    private static final List<String> STRATA_ONLY = List.of("/dev/strata/", "/ai/djl/", "/info/picocli/");
    /** The jars s3a needs beyond Spark's, by their Maven path. */
    private static final List<String> S3A = List.of("/org/apache/hadoop/hadoop-aws/", "/software/amazon/awssdk/bundle/");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration START_LIMIT = Duration.ofSeconds(90);

    private final Path home;
    private final Path work;
    private final int masterPort;
    private final int masterUiPort;
    private final List<Process> daemons = new ArrayList<>();
    private final Thread hook = new Thread(this::stopAll);

    private SparkStandalone(Path dir) throws IOException {
        home = dir.resolve("spark");
        work = dir.resolve("work");
        masterPort = freePort();
        masterUiPort = freePort();
    }

    /** Lays out the installation under {@code dir} and starts a Master and a Worker of {@code cores} and {@code memory}. */
    static SparkStandalone start(Path dir, int cores, String memory) throws Exception {
        SparkStandalone cluster = new SparkStandalone(dir);
        Runtime.getRuntime().addShutdownHook(cluster.hook);
        try {
            cluster.install();
            cluster.daemon("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                    String.valueOf(cluster.masterPort), "--webui-port", String.valueOf(cluster.masterUiPort));
            cluster.awaitMaster();
            cluster.daemon("worker", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--webui-port",
                    String.valueOf(freePort()), "--cores", String.valueOf(cores), "--memory", memory, "--work-dir",
                    cluster.work.toString(), cluster.masterUrl());
            cluster.awaitWorker();
            return cluster;
        } catch (Exception | AssertionError ex) {
            cluster.close();
            throw ex;
        }
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    /** The environment of a spark-submit on this cluster: the installation, loopback, the s3a jars. */
    Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("SPARK_DIST_CLASSPATH", home.resolve("s3a") + File.separator + "*");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return env;
    }

    /** The Master's view of the cluster (its web UI's JSON): workers, applications, drivers and their states. */
    JsonNode state() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + masterUiPort
                + "/json/")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    /** The last lines of each driver's stderr, for failure messages. */
    String driverLogs() throws IOException {
        StringBuilder out = new StringBuilder();
        if (Files.isDirectory(work)) {
            try (Stream<Path> dirs = Files.list(work)) {
                for (Path d : dirs.filter(d -> d.getFileName().toString().startsWith("driver-")).toList()) {
                    List<String> lines = Files.readAllLines(d.resolve("stderr"));
                    out.append("--- ").append(d.getFileName()).append(" stderr:\n")
                            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size())));
                }
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) anyway
        }
    }

    /** jars/ (Spark's), s3a/ (hadoop-aws and the SDK bundle) and bin/spark-submit, as Spark's own script runs it. */
    private void install() throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        Path s3a = Files.createDirectories(home.resolve("s3a"));
        Files.createDirectories(home.resolve("conf"));
        Files.createDirectories(work);
        String listings = System.getProperty(CLASSPATH_PROPERTY, "");
        java.util.Set<Path> all = new java.util.LinkedHashSet<>();
        for (String listing : listings.split(",")) {
            if (!Files.isRegularFile(Path.of(listing))) {
                throw new IllegalStateException("-D" + CLASSPATH_PROPERTY + "=" + listings + ": " + listing + " is not a "
                        + "file; run this test with mvn -Pcluster verify, which writes the lists of jars");
            }
            for (String entry : Files.readString(Path.of(listing)).strip().split(File.pathSeparator)) {
                all.add(Path.of(entry));
            }
        }
        int s3aJars = 0;
        for (Path jar : all) {
            String path = jar.toAbsolutePath().toString().replace(File.separatorChar, '/');
            // the reactor's own modules are listed by their target/ jars, not by Maven path
            if (STRATA_ONLY.stream().anyMatch(path::contains) || jar.getFileName().toString().startsWith("strata-")) {
                continue;
            }
            boolean forS3a = S3A.stream().anyMatch(path::contains);
            s3aJars += forS3a ? 1 : 0;
            Files.createSymbolicLink((forS3a ? s3a : jars).resolve(jar.getFileName()), jar);
        }
        if (s3aJars != S3A.size()) {
            throw new IllegalStateException(listings + ": no hadoop-aws or no AWS SDK bundle");
        }
        Path submit = Files.createDirectories(home.resolve("bin")).resolve("spark-submit");
        Files.writeString(submit, "#!/usr/bin/env bash\n# what Spark's bin/spark-submit runs, without its launcher\n"
                + "exec \"$JAVA_HOME/bin/java\" -Xmx512m -cp \"$SPARK_HOME/jars/*:${SPARK_DIST_CLASSPATH:-}\" "
                + "org.apache.spark.deploy.SparkSubmit \"$@\"\n");
        submit.toFile().setExecutable(true);
    }

    private void daemon(String name, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", home.resolve("jars") + File.separator + "*" + File.pathSeparator
                        + environment().get("SPARK_DIST_CLASSPATH"), mainClass));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".log").toFile());
        builder.environment().putAll(environment());
        daemons.add(builder.start());
    }

    private void awaitMaster() throws Exception {
        await("the Master to answer", () -> state().path("status").asText().equals("ALIVE"));
    }

    private void awaitWorker() throws Exception {
        await("the Worker to register", () -> state().path("aliveworkers").asInt() == 1);
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (Process p : daemons) {
                if (!p.isAlive()) {
                    throw new AssertionError("a Spark daemon ended while waiting for " + what + ": "
                            + logs());
                }
            }
            try {
                if (check.ok()) {
                    return;
                }
            } catch (IOException notYet) {
                // the web UI is not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("timed out after " + START_LIMIT.toSeconds() + " s waiting for " + what + ": " + logs());
    }

    private String logs() throws IOException {
        StringBuilder out = new StringBuilder();
        for (String name : List.of("master", "worker")) {
            Path log = work.resolve(name + ".log");
            if (Files.exists(log)) {
                out.append("\n--- ").append(name).append(".log:\n").append(Files.readString(log));
            }
        }
        return out.toString();
    }

    /** Ends the daemons and everything they started (drivers, executors), forcibly after 10 s. */
    private synchronized void stopAll() {
        for (Process p : daemons) {
            ProcessTrees.stop(p.toHandle());
        }
        daemons.clear();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Ends a process and its descendants. */
    static final class ProcessTrees {
        private ProcessTrees() {
        }

        static void stop(ProcessHandle root) {
            List<ProcessHandle> tree = new ArrayList<>(root.descendants().toList()); // before the parent goes
            tree.add(0, root);
            tree.forEach(ProcessHandle::destroy);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (ProcessHandle h : tree) {
                try {
                    h.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (Exception stillRunning) {
                    h.destroyForcibly();
                }
            }
        }
    }
}
