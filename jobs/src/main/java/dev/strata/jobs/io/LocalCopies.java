package dev.strata.jobs.io;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.util.AtomicDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A folder of local copies of remote folders (one sub-folder per key), bounded in size: after a copy is added the
 * least recently used ones are removed while the folder holds more than {@link #LIMIT_PROPERTY} bytes. A copy's
 * last use is its folder's modification time, touched on each use, so several JVMs on one machine share the
 * order. Copies used by this JVM are never removed by it: a JVM runs one command (the command line, or a Spark
 * application's executors), which may come back to any model it has used.
 */
final class LocalCopies {
    static final String LIMIT_PROPERTY = "strata.model.cache.bytes";
    static final long DEFAULT_LIMIT = 32L << 30;
    private static final Logger LOG = LogManager.getLogger(LocalCopies.class);

    private final Path root;
    private final String what;
    private final Set<String> usedHere = new HashSet<>();

    /** @param what names the copies in the log ("model") */
    LocalCopies(Path root, String what) {
        this.root = root;
        this.what = what;
    }

    /** The copy named {@code key}, made by {@code copy} when absent; marks it used. */
    synchronized Path use(String key, AtomicDirectory.Content copy) {
        Path entry = root.resolve(key);
        usedHere.add(key);
        if (Files.isDirectory(entry)) {
            touch(entry);
            return entry;
        }
        AtomicDirectory.create(entry, copy);
        touch(entry);
        evict(limit());
        return entry;
    }

    /** Removes the least recently used copies not used here while the copies take more than {@code limit} bytes. */
    synchronized void evict(long limit) {
        List<Entry> entries = entries();
        long total = entries.stream().mapToLong(Entry::bytes).sum();
        entries.sort(Comparator.comparing(Entry::lastUsed));
        for (Entry e : entries) {
            if (total <= limit) {
                return;
            }
            if (!usedHere.contains(e.dir().getFileName().toString())) {
                remove(e.dir());
                total -= e.bytes();
                LOG.info("{} cache: removed {} ({} MB, least recently used; the cache is limited to {} MB by -D{})",
                        what, e.dir(), e.bytes() >> 20, limit >> 20, LIMIT_PROPERTY);
            }
        }
    }

    private record Entry(Path dir, FileTime lastUsed, long bytes) {
    }

    private List<Entry> entries() {
        List<Entry> entries = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path dir : dirs.filter(d -> !d.getFileName().toString().startsWith(".")).toList()) {
                try {
                    entries.add(new Entry(dir, Files.getLastModifiedTime(dir), bytes(dir)));
                } catch (IOException goneMeanwhile) {
                    // another JVM removed it
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(root + ": cannot list: " + ex.getMessage(), ex);
        }
        return entries;
    }

    private static long bytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            long sum = 0;
            for (Path f : files.toList()) {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                sum += a.isRegularFile() ? a.size() : 0;
            }
            return sum;
        } catch (UncheckedIOException ex) {
            throw ex.getCause();
        }
    }

    /** Renamed first, so that no JVM takes a half-removed folder for a copy. */
    private static void remove(Path dir) {
        Path doomed = dir.resolveSibling("." + dir.getFileName() + ".removing-" + UUID.randomUUID());
        try {
            Files.move(dir, doomed, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException goneMeanwhile) {
            return;
        }
        AtomicDirectory.deleteQuietly(doomed);
    }

    private static void touch(Path dir) {
        try {
            Files.setLastModifiedTime(dir, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException ex) {
            throw new UncheckedIOException(dir + ": cannot mark it used: " + ex.getMessage(), ex);
        }
    }

    private static long limit() {
        String given = System.getProperty(LIMIT_PROPERTY);
        try {
            return given == null ? DEFAULT_LIMIT : Long.parseLong(given.strip());
        } catch (NumberFormatException ex) {
            throw new StrataException("-D" + LIMIT_PROPERTY + "=" + given + ": not a number of bytes");
        }
    }
}
