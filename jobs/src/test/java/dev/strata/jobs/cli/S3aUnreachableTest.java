package dev.strata.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An s3a:// model on an endpoint that does not answer fails within bounded time with one line (S3A's own defaults
 * retry for minutes). Buckets here are named apart from S3aTest's: Hadoop caches file systems per bucket.
 */
class S3aUnreachableTest {

    @TempDir
    Path dir;

    @Test
    void nothingListeningFailsFast() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        assertFailsFast("refused", port, 30_000);
    }

    @Test
    void aSocketThatNeverAnswersFailsFast() throws Exception {
        // connections complete in the kernel's backlog but nothing ever reads or writes on them
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            assertFailsFast("silent", silent.getLocalPort(), 60_000); // 3 attempts of 15 s
        }
    }

    private void assertFailsFast(String bucket, int port, long boundMs) {
        Map<String, String> s3 = Map.of("endpoint", "http://127.0.0.1:" + port, "endpoint.region", "us-east-1",
                "path.style.access", "true", "connection.ssl.enabled", "false", "access.key", "a", "secret.key", "s",
                "aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        s3.forEach((k, v) -> System.setProperty("spark.hadoop.fs.s3a." + k, v));
        try {
            String model = "s3a://" + bucket + "/models/x";
            long start = System.nanoTime();
            CliRun run = CliRun.of("calibrate", "--model", model, "--data", CliRun.TINYSTORIES.toString(),
                    "--out", dir.resolve(bucket).toString(), "--master", "local[1]");
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.println("s3a " + bucket + " endpoint failed after " + ms + " ms: " + run.lastErrLine());
            assertEquals(1, run.exitCode(), run.err());
            List<String> errors = run.err().lines().filter(l -> l.startsWith("strata: error:")).toList();
            assertEquals(1, errors.size(), run.err());
            assertTrue(errors.get(0).contains(model) && errors.get(0).contains("127.0.0.1:" + port)
                    && errors.get(0).contains("fs.s3a.endpoint"), errors.get(0));
            assertTrue(ms < boundMs, "took " + ms + " ms");
        } finally {
            s3.keySet().forEach(k -> System.clearProperty("spark.hadoop.fs.s3a." + k));
        }
    }
}
