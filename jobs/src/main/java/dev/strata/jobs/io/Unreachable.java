package dev.strata.jobs.io;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Tells a store that cannot be reached (connection refused, timed out, unknown host) from other I/O errors, and
 * says so in one line with the endpoint and the settings to check: the SDK's own message is a page long.
 */
final class Unreachable {
    private Unreachable() {
    }

    /** One line when {@code ex} means the store of {@code path} cannot be reached; else null. */
    static String describe(Path path, Configuration conf, Throwable ex) {
        String why = why(ex);
        if (why == null) {
            return null;
        }
        String scheme = path.toUri().getScheme();
        if ("s3a".equals(scheme)) {
            String endpoint = conf.getTrimmed("fs.s3a.bucket." + path.toUri().getHost() + ".endpoint",
                    conf.getTrimmed("fs.s3a.endpoint", ""));
            return "the S3 endpoint " + (endpoint.isEmpty() ? "(AWS, from fs.s3a.endpoint.region)" : endpoint)
                    + " cannot be reached (" + why + "); check fs.s3a.endpoint and the network (retries and timeouts: "
                    + "fs.s3a.retry.limit, fs.s3a.connection.timeout; see docs/cluster.md)";
        }
        return "cannot reach " + path.toUri().getAuthority() + " (" + why + "); check the address and the network";
    }

    private static String why(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "connection refused";
            }
            if (t instanceof SocketTimeoutException || t instanceof org.apache.hadoop.net.ConnectTimeoutException
                    || t.getClass().getSimpleName().equals("AWSApiCallTimeoutException")
                    || t.getClass().getSimpleName().startsWith("ApiCallAttemptTimeout")
                    || t.getClass().getSimpleName().startsWith("ApiCallTimeout")) {
                return "no answer in time";
            }
            if (t instanceof UnknownHostException) {
                return "unknown host " + t.getMessage();
            }
        }
        return null;
    }
}
