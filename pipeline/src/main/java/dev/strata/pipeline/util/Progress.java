package dev.strata.pipeline.util;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Progress of a long stage as Log4j2 lines: step, percentage, rate and ETA, at most one line every few seconds
 * (and always at the end).
 */
public final class Progress {
    private static final Logger LOG = LogManager.getLogger(Progress.class);
    private static final long INTERVAL_NANOS = 3_000_000_000L;

    private final String stage;
    private final String unit;
    private final long total;
    private final long start = System.nanoTime();
    private long done;
    private long tokens;
    private long lastLog = start;
    private String note;
    /** Whether the last step logs its line even when the stage was quick; see {@link #ofLongOnly}. */
    private boolean finalLineAlways = true;
    private boolean logged;

    /**
     * @param stage what is running, e.g. "ppl"
     * @param total steps expected
     * @param unit name of a step, plural, e.g. "windows"
     */
    public Progress(String stage, long total, String unit) {
        this.stage = stage;
        this.total = total;
        this.unit = unit;
    }

    /**
     * Progress that logs only when the stage runs past the interval (then to its end): for work that is quick at
     * most sizes and long at some (a pass streamed a layer at a time), so quick ones add no lines.
     */
    public static Progress ofLongOnly(String stage, long total, String unit) {
        Progress p = new Progress(stage, total, unit);
        p.finalLineAlways = false;
        return p;
    }

    /** Records {@code steps} more steps covering {@code newTokens} tokens. */
    public synchronized void advance(long steps, long newTokens) {
        advance(steps, newTokens, null);
    }

    /** As {@link #advance(long, long)}, with a note for the log line (e.g. the current loss), or null. */
    public synchronized void advance(long steps, long newTokens, String note) {
        this.note = note;
        done += steps;
        tokens += newTokens;
        long now = System.nanoTime();
        if (now - lastLog >= INTERVAL_NANOS || (done >= total && (finalLineAlways || logged))) {
            lastLog = now;
            logged = true;
            LOG.info(line(now));
        }
    }

    /** Seconds since this progress started. */
    public double elapsedSeconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    private String line(long now) {
        double seconds = Math.max((now - start) / 1e9, 1e-9);
        StringBuilder s = new StringBuilder(stage).append(": ").append(done).append('/').append(total).append(' ')
                .append(unit).append(String.format(" (%.0f%%)", 100.0 * done / Math.max(total, 1)));
        if (note != null) {
            s.append(", ").append(note);
        }
        if (tokens > 0) {
            s.append(String.format(", %,.0f tokens/s", tokens / seconds));
        }
        if (done < total && done > 0) {
            s.append(", ETA ").append(duration(seconds / done * (total - done)));
        } else if (done >= total) {
            s.append(", took ").append(duration(seconds));
        }
        return s.toString();
    }

    /** h:mm:ss or m:ss. */
    public static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format("%d:%02d", s / 60, s % 60);
    }
}
