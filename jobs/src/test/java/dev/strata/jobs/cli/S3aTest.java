package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
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
    private static BlobStoreContext store;
    private static S3Proxy proxy;

    @TempDir
    static Path local;

    @BeforeAll
    static void startS3() throws Exception {
        store = ContextBuilder.newBuilder("transient").credentials("identity", "credential").build(BlobStoreContext.class);
        proxy = S3Proxy.builder().blobStore(store.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "test-access", "test-secret").build();
        proxy.start();
        while (!proxy.getState().equals("STARTED")) {
            Thread.sleep(10);
        }
        BlobStore blobs = store.getBlobStore();
        blobs.createContainerInLocation(null, BUCKET);
        try (Stream<Path> files = Files.list(CliRun.STORIES)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                put(blobs, "models/stories260K/" + f.getFileName(), f);
            }
        }
        put(blobs, "data/tinystories/valid.txt", CliRun.TINYSTORIES);
        String endpoint = "http://127.0.0.1:" + proxy.getPort();
        System.setProperty("spark.hadoop.fs.s3a.endpoint", endpoint);
        System.setProperty("spark.hadoop.fs.s3a.endpoint.region", "us-east-1");
        System.setProperty("spark.hadoop.fs.s3a.path.style.access", "true");
        System.setProperty("spark.hadoop.fs.s3a.connection.ssl.enabled", "false");
        System.setProperty("spark.hadoop.fs.s3a.access.key", "test-access");
        System.setProperty("spark.hadoop.fs.s3a.secret.key", "test-secret");
        System.setProperty("spark.hadoop.fs.s3a.aws.credentials.provider",
                "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    }

    private static void put(BlobStore blobs, String name, Path file) throws Exception {
        blobs.putBlob(BUCKET, blobs.blobBuilder(name).payload(file.toFile()).contentLength(Files.size(file)).build());
    }

    @AfterAll
    static void stopS3() throws Exception {
        for (String key : List.of("endpoint", "endpoint.region", "path.style.access", "connection.ssl.enabled",
                "access.key", "secret.key", "aws.credentials.provider")) {
            System.clearProperty("spark.hadoop.fs.s3a." + key);
        }
        proxy.stop();
        store.close();
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
        assertTrue(store.getBlobStore().blobExists(BUCKET, "runs/r1/run.json"));

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

    private static JsonNode summaryOnS3(String key) throws Exception {
        try (InputStream in = store.getBlobStore().getBlob(BUCKET, key).getPayload().openStream()) {
            return JSON.readTree(in);
        }
    }

    private static String[] concat(String[] a, String[] b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }
}
