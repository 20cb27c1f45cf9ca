package dev.strata.pipeline.forward;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.strata.pipeline.StrataException;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The memory a JVM's model weights may take: a model whose weights fit (as F32, the compute type on the CPU) is held
 * whole; a larger one is streamed from its files a layer at a time, and the passes running side by side in the JVM
 * share the budget. The default is three quarters of the JVM's direct-memory limit, where the weights live
 * (-XX:MaxDirectMemorySize, which defaults to the heap's -Xmx); the rest is left to Spark's own buffers.
 *
 * @param source where the figure comes from, for the log and error messages
 */
public record MemoryBudget(long bytes, String source) {
    /** The system property {@code --memory-budget} sets. */
    public static final String PROPERTY = "strata.memory.budget";
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:i?b)?");

    public MemoryBudget {
        if (bytes <= 0) {
            throw new StrataException(source + ": the memory budget must be positive, got " + bytes + " bytes");
        }
    }

    /** The budget {@code --memory-budget} set in this JVM, else the default ({@link #ofThisJvm}). */
    public static MemoryBudget current() {
        String given = System.getProperty(PROPERTY);
        return given != null ? parse(given, "--memory-budget") : ofThisJvm();
    }

    /** Three quarters of the JVM's direct-memory limit. */
    public static MemoryBudget ofThisJvm() {
        return new MemoryBudget(directMemoryLimit() / 4 * 3, "3/4 of the JVM's direct-memory limit");
    }

    /** The JVM's direct-memory limit: -XX:MaxDirectMemorySize, or the heap's -Xmx without it. */
    public static long directMemoryLimit() {
        String option = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                .getVMOption("MaxDirectMemorySize").getValue();
        long limit = Long.parseLong(option);
        return limit > 0 ? limit : Runtime.getRuntime().maxMemory();
    }

    /**
     * Refuses a budget above the JVM's direct-memory limit, where CPU weights live: it would end in an
     * OutOfMemoryError part-way through loading instead of streaming.
     */
    public void requireWithinJvmLimit() {
        long limit = directMemoryLimit();
        if (bytes > limit) {
            throw new StrataException(source + ": " + size(bytes) + " is above this JVM's direct-memory limit "
                    + size(limit) + "; lower the budget or raise -XX:MaxDirectMemorySize (STRATA_JAVA_OPTS for the "
                    + "strata script, spark.executor.extraJavaOptions on a cluster)");
        }
    }

    /** A size such as {@code 6g}, {@code 6GiB}, {@code 512m} or {@code 1073741824} (bytes); {@code what} names it. */
    public static MemoryBudget parse(String text, String what) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new StrataException(what + ": '" + text + "' is not a size (expected e.g. 6g, 512m or 6GiB)");
        }
        double scale = switch (m.group(2)) {
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            case "t" -> 1L << 40;
            default -> 1;
        };
        long bytes = (long) (Double.parseDouble(m.group(1)) * scale);
        if (bytes <= 0) {
            throw new StrataException(what + ": '" + text + "' is not a positive size");
        }
        return new MemoryBudget(bytes, what + " " + text);
    }

    /** True when {@code needed} bytes fit. */
    public boolean fits(long needed) {
        return needed <= bytes;
    }

    /** The budget and where it comes from, for people. */
    public String describe() {
        return size(bytes) + " (" + source + ")";
    }

    /** Bytes for people: GiB, MiB or KiB with two decimals. */
    public static String size(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        }
        return bytes >= 1L << 20 ? String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1L << 20))
                : String.format(Locale.ROOT, "%.2f KiB", bytes / 1024.0);
    }
}
