package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * s3a:// everywhere a path is taken: model, calibration text and run folder on an S3-compatible server (S3Proxy,
 * in this JVM, on loopback), read and written through Hadoop's S3A file system.
 */
class S3aTest {
    private static final String BUCKET = "strata";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HINT = "on the driver (in cluster deploy mode the driver runs on a cluster node and sees "
            + "only that node's files: give an hdfs:// or s3a:// path)";
    private static S3Bucket s3;

    @TempDir
    static Path local;

    @BeforeAll
    static void startS3() throws Exception {
        s3 = new S3Bucket(BUCKET);
        s3.putFolder("models/stories260K", CliRun.STORIES);
        s3.put("data/tinystories/valid.txt", CliRun.TINYSTORIES);
        s3.hadoopSettings().forEach((key, value) -> System.setProperty("spark.hadoop." + key, value));
    }

    @AfterAll
    static void stopS3() throws Exception {
        s3.hadoopSettings().keySet().forEach(key -> System.clearProperty("spark.hadoop." + key));
        s3.close();
    }

    @Test
    void calibrateReadsModelAndTextFromS3AndWritesTheRunThere() throws Exception {
        String[] inputs = {"--seq-len", "128", "--samples", "12", "--seed", "3", "--batch", "4", "--master", "local[2]"};
        String out = "s3a://" + BUCKET + "/runs/r1";
        CliRun remote = CliRun.of(concat(new String[] {"calibrate", "--model", "s3a://" + BUCKET + "/models/stories260K",
            "--data", "s3a://" + BUCKET + "/data/", "--out", out, "--format", "json"}, inputs));
        assertEquals(0, remote.exitCode(), remote.err());
        CliRun onDisk = CliRun.of(concat(new String[] {"calibrate", "--model", CliRun.STORIES.toString(), "--data",
            CliRun.TINYSTORIES.toString(), "--out", local.resolve("r1").toString(), "--format", "json"}, inputs));
        assertEquals(0, onDisk.exitCode(), onDisk.err());
        JsonNode fromS3 = summaryOnS3("runs/r1/scores/original/summary.json");
        assertEquals(JSON.readTree(onDisk.out()).get("layer_scores"), fromS3.get("layer_scores"));
        assertEquals(JSON.readTree(onDisk.out()).get("block_scores"), fromS3.get("block_scores"));
        assertTrue(s3.exists("runs/r1/run.json"));

        CliRun again = CliRun.of(concat(new String[] {"calibrate", "--model", "s3a://" + BUCKET + "/models/stories260K",
            "--data", "s3a://" + BUCKET + "/data/", "--out", out}, inputs));
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.err().contains("scores/original: reusing"), again.err());

        CliRun show = CliRun.of("scores", "show", out, "--format", "json");
        assertEquals(0, show.exitCode(), show.err());
        assertEquals(fromS3, JSON.readTree(show.out()));

        CliRun missing = CliRun.of("calibrate", "--model", "s3a://" + BUCKET + "/models/stories260K", "--data",
                "s3a://" + BUCKET + "/nothing/here.txt", "--out", "s3a://" + BUCKET + "/runs/r2");
        assertEquals("strata: error: --data s3a://" + BUCKET + "/nothing/here.txt: no such file or directory",
                missing.lastErrLine());
    }

    @Test
    void aRecipeAndItsTaskDataAreReadFromS3() throws Exception {
        s3.put("tasks/mc/copa.jsonl", CliRun.SHARED.resolve("data/mc/copa.jsonl"));
        s3.put("recipes/check.yaml", String.join("\n", "model: " + s3.uri("models/stories260K"),
                "calibration: {data: " + s3.uri("data/tinystories/valid.txt") + ", seq_len: 64, samples: 4}",
                "methods: [{bi: {layers: [1]}}]", "evaluate: {tasks: [copa], data_dir: " + s3.uri("tasks") + "}", ""));
        CliRun plan = CliRun.of("run", s3.uri("recipes/check.yaml"), "--plan");
        assertEquals(0, plan.exitCode(), plan.err());
        assertTrue(plan.out().contains("eval: evaluate the original and every model made on [copa]"), plan.out());

        CliRun noTasks = CliRun.of("run", s3.uri("recipes/check.yaml").replace("check", "absent"), "--plan");
        assertEquals("strata: error: " + s3.uri("recipes/absent.yaml") + ": does not exist (the recipe)",
                noTasks.lastErrLine());

        s3.put("recipes/no-data.yaml", String.join("\n", "model: " + s3.uri("models/stories260K"),
                "calibration: {data: " + s3.uri("data/tinystories/valid.txt") + ", seq_len: 64, samples: 4}",
                "methods: [{bi: {layers: [1]}}]", "evaluate: {tasks: [copa], data_dir: " + s3.uri("nothing") + "}", ""));
        CliRun noData = CliRun.of("run", s3.uri("recipes/no-data.yaml"), "--plan");
        assertEquals("strata: error: " + s3.uri("recipes/no-data.yaml") + ": 'evaluate.data_dir' " + s3.uri("nothing")
                + ": not a directory", noData.lastErrLine());

        s3.put("recipes/tailor.yaml", String.join("\n", "model: " + s3.uri("models/stories260K"),
                "calibration: {data: " + s3.uri("data/tinystories/valid.txt") + ", seq_len: 64, samples: 4}",
                "variants: {stories: {data: " + s3.uri("data/tinystories/valid.txt") + "}}",
                "methods: [{tailor: {layers: 1, variants: [stories], tasks: [copa], data_dir: " + s3.uri("tasks") + "}}]",
                "evaluate: {tasks: [copa], data_dir: " + s3.uri("tasks") + "}", ""));
        CliRun tailor = CliRun.of("run", s3.uri("recipes/tailor.yaml"), "--plan");
        assertTrue(tailor.lastErrLine().endsWith(s3.uri("tasks") + ": the search reads the task data on every executor, "
                + "so it must be a local folder present on every node (the image's, or one copied there)"),
                tailor.lastErrLine());
    }

    @Test
    void aPrunedModelIsWrittenToS3AndReadBack() throws Exception {
        CliRun prune = CliRun.of("compress", "bi", "--model", s3.uri("models/stories260K"), "--data",
                s3.uri("data/tinystories/valid.txt"), "--seq-len", "64", "--samples", "4", "--layers", "1", "--out",
                s3.uri("runs/pruned"), "--master", "local[2]");
        assertEquals(0, prune.exitCode(), prune.err());
        CliRun local = CliRun.of("compress", "bi", "--model", CliRun.STORIES.toString(), "--data",
                CliRun.TINYSTORIES.toString(), "--seq-len", "64", "--samples", "4", "--layers", "1", "--out",
                S3aTest.local.resolve("pruned").toString(), "--master", "local[2]");
        assertEquals(0, local.exitCode(), local.err());
        java.util.List<Path> written;
        try (Stream<Path> files = java.nio.file.Files.walk(S3aTest.local.resolve("pruned/models"))) {
            written = files.filter(f -> f.getFileName().toString().equals("model.safetensors")).toList();
        }
        assertEquals(1, written.size(), written.toString());
        String key = "runs/pruned/" + S3aTest.local.resolve("pruned").relativize(written.get(0));
        assertTrue(java.util.Arrays.equals(java.nio.file.Files.readAllBytes(written.get(0)), s3.bytes(key)),
                key + " on s3a differs from the same model written locally");
    }

    @Test
    void aDriverInClusterModeSaysWhyItCannotSeeALocalFile() {
        System.setProperty("spark.submit.deployMode", "cluster");
        try {
            CliRun run = CliRun.of("run", "conf/recipes/nowhere.yaml", "--plan");
            assertEquals("strata: error: conf/recipes/nowhere.yaml: the recipe does not exist " + HINT, run.lastErrLine());
            CliRun model = CliRun.of("calibrate", "--model", "models/nowhere", "--data", CliRun.TINYSTORIES.toString(),
                    "--out", S3aTest.local.resolve("nowhere").toString());
            assertEquals("strata: error: " + Path.of("models/nowhere").toAbsolutePath() + ": not a model folder (no such "
                    + "directory " + HINT + ")", model.lastErrLine());
            CliRun data = CliRun.of("calibrate", "--model", CliRun.STORIES.toString(), "--data", "data/nowhere.txt",
                    "--out", S3aTest.local.resolve("nowhere").toString());
            assertEquals("strata: error: --data data/nowhere.txt: no such file or directory " + HINT, data.lastErrLine());
        } finally {
            System.clearProperty("spark.submit.deployMode");
        }
    }

    private static JsonNode summaryOnS3(String key) throws Exception {
        return JSON.readTree(s3.text(key));
    }

    private static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }
}
