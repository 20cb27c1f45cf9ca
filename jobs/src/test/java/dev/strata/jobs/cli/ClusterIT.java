package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster jar on a Spark standalone cluster, submitted as an operator would: deploy/spark-submit.sh in cluster
 * deploy mode hands jobs/target/strata-jobs-cluster.jar to Spark's own SparkSubmit, which submits it to one Master and
 * one Worker on loopback; the Worker runs the driver and two executors of one core. A driver in cluster mode sees none
 * of the submitting machine's files, so the recipe, the model, the calibration text, the task data and the run folder
 * are all on s3a:// (S3Proxy in this JVM). The reference is the same recipe run in local mode on the local files: the
 * original's scores and the evaluation of both models must agree. Runs in `mvn -Pcluster verify` (failsafe), after the
 * cluster jar is packaged.
 */
class ClusterIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Scores are sums in double over partitions; their order may differ between local mode and executors. */
    private static final double TOLERANCE = 1e-9;

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void aRecipeOnS3RunOnAStandaloneClusterScoresAsInLocalMode(@TempDir Path tmp) throws Exception {
        Path jar = ROOT.resolve("jobs/target/strata-jobs-cluster.jar");
        assertTrue(Files.isRegularFile(jar), jar + " is missing: build it with mvn -B -Pcluster verify (the test "
                + "command) or mvn -Pcluster -DskipTests package");
        Path data = CliRun.SHARED.resolve("data");
        Path localRecipe = tmp.resolve("cluster-check.yaml");
        Files.writeString(localRecipe, recipe(CliRun.STORIES.toString(), CliRun.TINYSTORIES.toString(), data.toString()));
        Path localOut = tmp.resolve("local");
        CliRun local = CliRun.of("run", localRecipe.toString(), "--out", localOut.toString(), "--master", "local[2]");
        assertEquals(0, local.exitCode(), local.err());

        try (S3Bucket s3 = new S3Bucket("strata");
                SparkStandalone cluster = SparkStandalone.start(tmp.resolve("cluster"), 3, "4g")) {
            s3.putFolder("models/stories260K", CliRun.STORIES);
            s3.put("calibration/valid.txt", CliRun.TINYSTORIES);
            s3.put("tasks/mc/copa.jsonl", data.resolve("mc/copa.jsonl"));
            s3.put("tasks/tinystories/valid.txt", data.resolve("tinystories/valid.txt"));
            s3.put("recipes/cluster-check.yaml", recipe(s3.uri("models/stories260K"), s3.uri("calibration/valid.txt"),
                    s3.uri("tasks")));
            Path events = Files.createDirectories(tmp.resolve("events"));
            Path log = tmp.resolve("spark-submit.log");
            int exit = submit(cluster, s3, events, log, "run", s3.uri("recipes/cluster-check.yaml"), "--out",
                    s3.uri("runs/cluster"));
            String why = "spark-submit exited " + exit + ":\n" + tail(log) + "\n" + cluster.driverLogs();
            assertEquals(0, exit, why);
            JsonNode drivers = cluster.state().path("completeddrivers");
            assertEquals(1, drivers.size(), why);
            assertEquals("FINISHED", drivers.get(0).path("state").asText(), why);

            JsonNode localSummary = JSON.readTree(localOut.resolve("scores/original/summary.json").toFile());
            JsonNode clusterSummary = JSON.readTree(s3.text("runs/cluster/scores/original/summary.json"));
            for (String field : List.of("windows", "tokens", "layer_scores", "block_scores")) {
                assertClose(localSummary.get(field), clusterSummary.get(field), "summary.json " + field);
            }
            JsonNode localReport = JSON.readTree(localOut.resolve("report.json").toFile());
            JsonNode clusterReport = JSON.readTree(s3.text("runs/cluster/report.json"));
            assertClose(localReport.get("models"), clusterReport.get("models"), "report.json models");
            assertEquals(2, clusterReport.get("models").size(), "the original and the pruned model are evaluated");
            assertTrue(s3.text("runs/cluster/report.md").contains("Compressing " + s3.uri("models/stories260K")),
                    "the run compressed the model on s3a");
            assertTrue(s3.exists("runs/cluster/model/model.safetensors"), "the exported model is on s3a");
            assertEquals(Set.of("0", "1"), executorsThatRanTasks(events), "both executors ran tasks");
        }
    }

    /** A small recipe: 16 calibration windows, ShortGPT removing one layer, two tasks of 8 examples. */
    private static String recipe(String model, String calibration, String taskData) {
        return String.join("\n",
                "name: cluster-check",
                "model: " + model,
                "calibration: {data: " + calibration + ", seq_len: 64, samples: 16, seed: 7, batch: 4}",
                "methods:",
                "  - bi: {layers: [1]}",
                "evaluate: {tasks: [copa, tinystories], limit: 8, data_dir: " + taskData + "}",
                "");
    }

    /** deploy/spark-submit.sh in cluster deploy mode on {@code cluster}; its exit code (it waits for the driver). */
    private static int submit(SparkStandalone cluster, S3Bucket s3, Path events, Path log, String... strata)
            throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("deploy/spark-submit.sh").toString()));
        Map<String, String> conf = new java.util.LinkedHashMap<>();
        conf.put("spark.standalone.submit.waitAppCompletion", "true");
        conf.put("spark.cores.max", "2"); // two executors of one core; the driver takes the Worker's third core
        conf.put("spark.scheduler.minRegisteredResourcesRatio", "1.0"); // both executors up before the first stage
        conf.put("spark.driver.memory", "1g");
        conf.put("spark.ui.enabled", "false");
        conf.put("spark.eventLog.enabled", "true");
        conf.put("spark.eventLog.dir", events.toUri().toString());
        conf.put("spark.eventLog.compress", "false");
        conf.put("spark.eventLog.rolling.enabled", "false");
        s3.hadoopSettings().forEach((key, value) -> conf.put("spark.hadoop." + key, value));
        conf.forEach((key, value) -> command.addAll(List.of("--conf", key + "=" + value)));
        command.add("--");
        command.addAll(List.of(strata));
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(cluster.environment());
        builder.environment().putAll(Map.of("STRATA_MASTER", cluster.masterUrl(), "STRATA_DEPLOY_MODE", "cluster",
                "STRATA_JAR", ROOT.resolve("jobs/target/strata-jobs-cluster.jar").toString(), "STRATA_EXECUTORS", "2",
                "STRATA_EXECUTOR_CORES", "1", "STRATA_EXECUTOR_MEMORY", "1g"));
        Process p = builder.start();
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                fail("the cluster run did not finish within 5 minutes:\n" + tail(log) + "\n" + cluster.driverLogs());
            }
            return p.exitValue();
        } finally {
            SparkStandalone.ProcessTrees.stop(p.toHandle());
        }
    }

    /** The executor ids of every finished task, from the application's event log (Spark's own record). */
    private static Set<String> executorsThatRanTasks(Path events) throws Exception {
        Set<String> ids = new TreeSet<>();
        try (Stream<Path> logs = Files.list(events)) {
            for (Path f : logs.filter(Files::isRegularFile).toList()) {
                for (String line : Files.readAllLines(f)) {
                    JsonNode e = JSON.readTree(line);
                    if (e.path("Event").asText().equals("SparkListenerTaskEnd")) {
                        ids.add(e.path("Task Info").path("Executor ID").asText());
                    }
                }
            }
        }
        return ids;
    }

    /** Equal JSON, numbers within {@link #TOLERANCE} relative. */
    private static void assertClose(JsonNode expected, JsonNode actual, String where) {
        if (expected == null || actual == null || expected.isNumber() != actual.isNumber()
                || expected.isContainerNode() != actual.isContainerNode()) {
            assertEquals(expected, actual, where);
            return;
        }
        if (expected.isNumber()) {
            double e = expected.asDouble();
            double a = actual.asDouble();
            assertTrue(Math.abs(e - a) <= TOLERANCE * Math.max(1, Math.abs(e)), where + ": " + a + " vs local " + e);
            return;
        }
        if (!expected.isContainerNode()) {
            assertEquals(expected, actual, where);
            return;
        }
        assertEquals(expected.size(), actual.size(), where + ": size");
        if (expected.isArray()) {
            for (int i = 0; i < expected.size(); i++) {
                assertClose(expected.get(i), actual.get(i), where + "[" + i + "]");
            }
        } else {
            expected.fieldNames().forEachRemaining(f -> assertClose(expected.get(f), actual.get(f), where + "." + f));
        }
    }

    private static String tail(Path log) throws Exception {
        if (!Files.exists(log)) {
            return "";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
