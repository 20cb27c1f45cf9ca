package dev.strata.jobs.spark;

import dev.strata.pipeline.StrataException;
import java.util.regex.Pattern;

/**
 * The Spark master URLs Strata accepts from --master, checked before Spark starts: Spark itself refuses a bad one
 * only after pages of its own error logs.
 */
public final class MasterUrl {
    static final String EXPECTED = "local, local[N], local[*], local[N,F], local[*,F], local-cluster[N,C,M], "
            + "spark://HOST:PORT[,HOST:PORT...], yarn or k8s://URL";
    // N (threads) at least 1; F (task failures allowed) any count; as Spark's SparkMasterRegex reads them
    private static final Pattern LOCAL = Pattern.compile("local(\\[\\s*([1-9][0-9]*|\\*)\\s*(,\\s*[0-9]+\\s*)?])?");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*[1-9][0-9]*\\s*,\\s*[1-9][0-9]*"
            + "\\s*,\\s*[1-9][0-9]*\\s*]");
    private static final Pattern STANDALONE = Pattern.compile("spark://[^:,/\\s]+:[0-9]{1,5}(,[^:,/\\s]+:[0-9]{1,5})*");
    private static final Pattern K8S = Pattern.compile("k8s://\\S+");

    private MasterUrl() {
    }

    /** {@code url} when it is a master URL Spark accepts; else an error naming {@code option}. */
    public static String check(String url, String option) {
        if (url != null && (url.equals("yarn") || LOCAL.matcher(url).matches() || LOCAL_CLUSTER.matcher(url).matches()
                || STANDALONE.matcher(url).matches() || K8S.matcher(url).matches())) {
            return url;
        }
        throw new StrataException(option + " '" + url + "' is not a Spark master URL (expected " + EXPECTED + ")");
    }
}
