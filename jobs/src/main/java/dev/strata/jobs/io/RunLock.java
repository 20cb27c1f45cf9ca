package dev.strata.jobs.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.util.HostName;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The one process working in a run folder: a lock file naming its holder (host, process, start, command), taken
 * before the folder's first write and released when the command ends. The holder refreshes the file's time every
 * minute; a lock whose holder is gone (its process no longer runs on this host, or the file went unrefreshed for
 * {@link #STALE_MILLIS}) is taken over, so a run killed with -9 resumes without anyone deleting files.
 */
final class RunLock implements AutoCloseable {
    static final String FILE = ".strata.lock";
    static final long STALE_MILLIS = TimeUnit.MINUTES.toMillis(10);
    private static final long HEARTBEAT_MILLIS = TimeUnit.MINUTES.toMillis(1);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LogManager.getLogger(RunLock.class);
    /** Tokens of the locks this JVM holds: a lock naming this process but no live token was leaked, not held. */
    private static final Set<String> HELD = ConcurrentHashMap.newKeySet();
    private static final ScheduledExecutorService HEARTBEAT = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "strata-run-lock");
        t.setDaemon(true);
        return t;
    });

    private final FileSystem fs;
    private final Path file;
    private final String token;
    private final java.util.concurrent.ScheduledFuture<?> heartbeat;
    private final Thread onExit;

    private RunLock(FileSystem fs, Path file, String token) {
        this.fs = fs;
        this.file = file;
        this.token = token;
        this.heartbeat = HEARTBEAT.scheduleAtFixedRate(this::refresh, HEARTBEAT_MILLIS, HEARTBEAT_MILLIS,
                TimeUnit.MILLISECONDS);
        this.onExit = new Thread(this::release, "strata-run-lock-release");
        Runtime.getRuntime().addShutdownHook(onExit);
    }

    /**
     * Takes the lock of the run folder {@code root}, taking over a stale one.
     *
     * @param where the option and folder as people typed them, for the message when another process holds it
     */
    static RunLock take(FileSystem fs, Path root, String where) {
        Path file = new Path(root, FILE);
        String token = UUID.randomUUID().toString();
        ObjectNode holder = JSON.createObjectNode();
        holder.put("host", HostName.get());
        holder.put("pid", ProcessHandle.current().pid());
        holder.put("token", token);
        holder.put("started", Instant.now().toString());
        holder.put("command", command());
        byte[] content = (holder + "\n").getBytes(StandardCharsets.UTF_8);
        for (int attempt = 0; attempt < 2; attempt++) {
            if (create(fs, file, content)) {
                HELD.add(token);
                return new RunLock(fs, file, token);
            }
            JsonNode other = read(fs, file);
            String stale = stale(fs, file, other);
            if (stale == null) {
                throw new StrataException(where + ": in use by another strata process (" + describe(other)
                        + "); wait for it to finish, or remove " + HadoopFiles.display(file) + " if it is gone");
            }
            LOG.warn("{}: taking over the lock of a process that is gone ({}: {})", where, describe(other), stale);
            delete(fs, file);
        }
        throw new StrataException(where + ": another strata process took the folder's lock at the same time");
    }

    /** Why the holder is gone, or null when it may still be working. */
    private static String stale(FileSystem fs, Path file, JsonNode holder) {
        if (holder == null) {
            return "the lock file is unreadable";
        }
        long age = System.currentTimeMillis() - modified(fs, file);
        if (age > STALE_MILLIS) {
            return "its lock was last refreshed " + age / 60_000 + " minutes ago";
        }
        if (holder.path("host").asText().equals(HostName.get())) {
            long pid = holder.path("pid").asLong();
            if (ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true)) {
                return "process " + pid + " no longer runs";
            }
            if (pid == ProcessHandle.current().pid() && !HELD.contains(holder.path("token").asText())) {
                return "this process took it and never released it";
            }
        }
        return null;
    }

    private static String describe(JsonNode holder) {
        if (holder == null) {
            return "unknown holder";
        }
        return "pid " + holder.path("pid").asText() + " on " + holder.path("host").asText() + " since "
                + holder.path("started").asText() + ": " + holder.path("command").asText();
    }

    /** Refreshes the lock's time, so that other hosts see its holder alive. */
    private void refresh() {
        try {
            if (HadoopFiles.isLocal(file)) {
                Files.setLastModifiedTime(java.nio.file.Path.of(file.toUri()), FileTime.from(Instant.now()));
            } else {
                byte[] content;
                try (InputStream in = fs.open(file)) {
                    content = in.readAllBytes();
                }
                try (OutputStream out = fs.create(file, true)) {
                    out.write(content);
                }
            }
        } catch (IOException ex) {
            LOG.warn("{}: cannot refresh the run lock: {}", HadoopFiles.display(file), ex.getMessage());
        }
    }

    @Override
    public void close() {
        release();
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException ex) {
            // the JVM is shutting down: the hook releases the lock
        }
    }

    private synchronized void release() {
        if (!HELD.remove(token)) {
            return;
        }
        heartbeat.cancel(false);
        JsonNode holder = read(fs, file);
        if (holder != null && token.equals(holder.path("token").asText())) {
            delete(fs, file);
        }
    }

    /** Creates the lock file unless it exists (atomically on local and HDFS folders); false when it exists. */
    private static boolean create(FileSystem fs, Path file, byte[] content) {
        try {
            if (HadoopFiles.isLocal(file)) {
                java.nio.file.Path local = java.nio.file.Path.of(file.toUri());
                Files.createDirectories(local.getParent());
                Files.write(local, content, java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE);
                return true;
            }
            if (fs.exists(file)) {
                return false;
            }
            try (OutputStream out = fs.create(file, false)) {
                out.write(content);
            }
            return true;
        } catch (java.nio.file.FileAlreadyExistsException | org.apache.hadoop.fs.FileAlreadyExistsException ex) {
            return false;
        } catch (IOException ex) {
            throw HadoopFiles.failure(file, "take the run lock", ex);
        }
    }

    private static JsonNode read(FileSystem fs, Path file) {
        try (InputStream in = fs.open(file)) {
            JsonNode node = JSON.readTree(in);
            return node != null && node.isObject() ? node : null;
        } catch (IOException ex) {
            return null;
        }
    }

    private static long modified(FileSystem fs, Path file) {
        try {
            return fs.getFileStatus(file).getModificationTime();
        } catch (IOException ex) {
            return 0;
        }
    }

    private static void delete(FileSystem fs, Path file) {
        try {
            fs.delete(file, false);
        } catch (IOException ex) {
            throw HadoopFiles.failure(file, "remove the stale run lock", ex);
        }
    }

    /** The strata command line of this process, as far as the JVM tells it. */
    private static String command() {
        String java = System.getProperty("sun.java.command", "");
        int space = java.indexOf(' ');
        return "strata " + (space < 0 ? "" : java.substring(space + 1));
    }
}
