package dev.strata.jobs.io;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * Bounded retries and timeouts for s3a:// (Hadoop 3.4, AWS SDK v2). Hadoop's own defaults retry an endpoint that
 * refuses connections for about three minutes, silently, and wait 200 s for a socket that never answers. Each
 * default applies only where the user set nothing (spark.hadoop.* or core-site.xml), so any can be overridden.
 */
final class S3aDefaults {
    /** Marks the values set here in a configuration's property sources. */
    static final String SOURCE = "strata s3a defaults";
    static final Map<String, String> VALUES = new LinkedHashMap<>();

    static {
        VALUES.put("fs.s3a.attempts.maximum", "0"); // the SDK retries nothing itself: S3A retries
        VALUES.put("fs.s3a.retry.limit", "2");
        VALUES.put("fs.s3a.retry.interval", "500ms");
        VALUES.put("fs.s3a.retry.throttle.limit", "5");
        VALUES.put("fs.s3a.connection.establish.timeout", "5s");
        VALUES.put("fs.s3a.connection.timeout", "15s"); // a socket read; Hadoop enforces 15 s at least
        VALUES.put("fs.s3a.connection.request.timeout", "30s");
    }

    private S3aDefaults() {
    }

    /** Sets each default {@code conf} has no value for but Hadoop's own (core-default.xml). */
    static void apply(Configuration conf) {
        VALUES.forEach((key, value) -> {
            String[] sources = conf.getPropertySources(key);
            if (sources == null || sources.length == 1 && sources[0].equals("core-default.xml")) {
                conf.set(key, value, SOURCE);
            }
        });
    }

    /** The defaults {@code conf} took, as spark.hadoop.* settings. */
    static Map<String, String> taken(Configuration conf, String prefix) {
        Map<String, String> taken = new LinkedHashMap<>();
        VALUES.forEach((key, value) -> {
            String[] sources = conf.getPropertySources(key);
            if (sources != null && sources[sources.length - 1].equals(SOURCE)) {
                taken.put(prefix + key, value);
            }
        });
        return taken;
    }
}
