package dev.strata.jobs.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A run's output folder (local, hdfs:// or s3a://): run.json names the run's inputs, their content
 * ({@link ContentVersion}) and each finished stage with the files it wrote. Nothing is written until the first stage
 * writes, so a run refused for bad input leaves no trace. A stage writes into a hidden staging folder that is renamed
 * into place when complete, then marks itself done; a rerun with the same inputs skips finished stages whose files are
 * whole and redoes the others from scratch. A folder that holds another run (other inputs), whose inputs changed since
 * (unless {@link #RECOMPUTE}), that another process works in ({@link RunLock}) or that is not a run folder is refused
 * before anything is written.
 */
public final class RunFolder implements AutoCloseable {
    public static final String RUN_FILE = "run.json";
    /**
     * The system property (set by strata --recompute) under which a folder whose inputs changed computes every stage
     * again instead of being refused.
     */
    public static final String RECOMPUTE = "strata.recompute";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Logger LOG = LogManager.getLogger(RunFolder.class);

    private final Path root;
    private final FileSystem fs;
    private final Configuration conf;
    private final ObjectNode run;
    private final String where;
    private RunLock lock;
    /** Files committed by the stages running on each thread, innermost last (a stage may run another one). */
    private final ThreadLocal<java.util.Deque<ObjectNode>> outputs = ThreadLocal.withInitial(java.util.ArrayDeque::new);
    /** Stages found done whose reuse was logged. */
    private final Set<String> announced = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private RunFolder(Path root, FileSystem fs, Configuration conf, ObjectNode run, String where) {
        this.root = root;
        this.fs = fs;
        this.conf = conf;
        this.run = run;
        this.where = where;
    }

    /**
     * Opens {@code out} for a run with {@code inputs}: a new run when the folder is absent or empty (created on the
     * first write), the same run resumed when its run.json names the same inputs.
     *
     * @param option the command-line option naming the folder, for messages
     */
    public static RunFolder open(String out, String option, String kind, ObjectNode given) {
        ObjectNode inputs = normalized(given);
        Configuration conf = HadoopFiles.configuration();
        Path root = HadoopFiles.path(out);
        FileSystem fs = HadoopFiles.fileSystem(root, conf);
        Path runFile = new Path(root, RUN_FILE);
        try {
            if (fs.exists(runFile)) {
                ObjectNode existing = readRun(fs, runFile);
                JsonNode before = existing.get("inputs");
                if (!kind.equals(existing.path("kind").asText()) || !inputs.equals(before)) {
                    throw new StrataException(option + " " + out + ": holds another run (" + difference(existing, kind, inputs)
                            + "); use another " + option + " or remove the folder");
                }
                RunFolder folder = new RunFolder(root, fs, conf, existing, option + " " + out);
                folder.lock = RunLock.take(fs, root, folder.where);
                return folder;
            }
            if (fs.exists(root)) {
                if (!fs.getFileStatus(root).isDirectory()) {
                    throw new StrataException(option + " " + out + ": is a file, not a run folder");
                }
                for (FileStatus f : fs.listStatus(root)) {
                    if (!f.getPath().getName().equals(RunLock.FILE)) {
                        throw new StrataException(option + " " + out + ": is not empty (it holds "
                                + f.getPath().getName() + ") and holds no " + RUN_FILE
                                + " (not a Strata run folder); use another " + option);
                    }
                }
            }
            ObjectNode run = JSON.createObjectNode();
            run.put("kind", kind);
            run.put("run_id", root.getName());
            run.set("inputs", inputs.deepCopy());
            run.putObject("versions");
            run.putObject("stages");
            return new RunFolder(root, fs, conf, run, option + " " + out);
        } catch (IOException ex) {
            throw HadoopFiles.failure(root, "open the run folder", ex);
        }
    }

    /** The inputs as they read back from run.json (numbers in their smallest JSON type). */
    private static ObjectNode normalized(ObjectNode inputs) {
        try {
            return (ObjectNode) JSON.readTree(JSON.writeValueAsString(inputs));
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static ObjectNode readRun(FileSystem fs, Path runFile) throws IOException {
        try (InputStream in = fs.open(runFile)) {
            JsonNode node = JSON.readTree(in);
            if (node == null || !node.isObject() || !node.path("inputs").isObject()) {
                throw new StrataException(runFile + ": not a Strata run file (no 'inputs' object)");
            }
            return (ObjectNode) node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new StrataException(runFile + ": not valid JSON: " + ex.getOriginalMessage());
        }
    }

    private static String difference(ObjectNode existing, String kind, ObjectNode inputs) {
        if (!kind.equals(existing.path("kind").asText())) {
            return "a " + existing.path("kind").asText() + " run, not " + kind;
        }
        return difference(existing.get("inputs"), inputs);
    }

    /** The first key whose value differs: "key X there, Y here". */
    private static String difference(JsonNode before, JsonNode now) {
        Set<String> keys = new java.util.LinkedHashSet<>();
        now.fieldNames().forEachRemaining(keys::add);
        before.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            if (!now.path(key).equals(before.path(key))) {
                return key + " " + show(before.get(key)) + " there, " + show(now.get(key)) + " here";
            }
        }
        return "its inputs differ";
    }

    private static String show(JsonNode v) {
        return v == null ? "unset" : v.toString();
    }

    public Path root() {
        return root;
    }

    public FileSystem fileSystem() {
        return fs;
    }

    public Configuration configuration() {
        return conf;
    }

    public String runId() {
        return run.path("run_id").asText();
    }

    /** A path inside the run folder. */
    public Path path(String relative) {
        return new Path(root, relative);
    }

    /** True when {@code stage} finished in this or an earlier attempt. */
    public synchronized boolean isDone(String stage) {
        return run.path("stages").path(stage).path("done").asBoolean(false);
    }

    /** What a finished stage recorded (empty when not done). */
    public synchronized JsonNode stage(String stage) {
        return run.path("stages").path(stage);
    }

    /** Records {@code stage} as finished, with what it reports. */
    public synchronized void markDone(String stage, ObjectNode info) {
        create();
        ObjectNode entry = info.deepCopy();
        entry.put("done", true);
        entry.put("finished", Instant.now().toString());
        ((ObjectNode) run.get("stages")).set(stage, entry);
        save();
    }

    /**
     * Checks that the input {@code name} ({@code display} for people: "the model m") has the content it had when this
     * folder's run began, recording it for a new run. When it changed, the folder is refused, or, under
     * {@link #RECOMPUTE}, every stage is forgotten so that the run computes again from the new content.
     */
    public synchronized void requireVersion(String name, String display, ObjectNode given) {
        ObjectNode version = normalized(given);
        JsonNode before = run.path("versions").get(name);
        if (before == null && (!run.has("created") || run.has("versions"))) {
            // a new run, or an input a later command brings to this run (a student to distill): recorded from now on
            run.with("versions").set(name, version);
            if (run.has("created")) {
                save();
            }
            return;
        }
        String changed = ContentVersion.difference(before, version);
        if (changed == null) {
            return;
        }
        if (!Boolean.getBoolean(RECOMPUTE)) {
            throw new StrataException(where + ": " + display + " changed since this folder's run ("
                    + changed + "); rerun with --recompute to compute every stage again, or use another folder");
        }
        LOG.warn("{}: {} changed since this folder's run ({}); computing every stage again", where, display, changed);
        ((ObjectNode) run.get("stages")).removeAll();
        run.with("versions").set(name, version);
        save();
    }

    /**
     * Runs {@code stage} unless an earlier attempt finished it: the one place stages are skipped, timed and recorded.
     * {@code work} writes the stage's output (staged, then committed) and returns what run.json records of it; the
     * files it committed are recorded too, and a finished stage whose files are missing or cut short is run again.
     *
     * @return the record of the stage, as this or an earlier attempt made it
     */
    public JsonNode once(String stage, java.util.function.Supplier<ObjectNode> work) {
        if (isDone(stage)) {
            String damage = damage(stage(stage).path("outputs"));
            if (damage == null) {
                if (announced.add(stage)) {
                    LOG.info("{}: reusing (done {})", stage, stage(stage).path("finished").asText());
                }
                return stage(stage);
            }
            LOG.warn("{}: {}; computing the stage again", stage, damage);
            markUndone(stage);
        }
        long start = System.nanoTime();
        LOG.info("{} ...", stage);
        outputs.get().push(JSON.createObjectNode());
        ObjectNode info;
        ObjectNode written;
        try {
            info = work.get().deepCopy();
        } finally {
            written = outputs.get().pop();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        info.put("seconds", seconds);
        info.set("outputs", written);
        markDone(stage, info);
        announced.add(stage);
        LOG.info("{}: done in {} s", stage, String.format("%.1f", seconds));
        return stage(stage);
    }

    /** The first of a stage's recorded files that is missing or of another size, or null when all are whole. */
    private String damage(JsonNode recorded) {
        for (java.util.Iterator<java.util.Map.Entry<String, JsonNode>> it = recorded.fields(); it.hasNext();) {
            java.util.Map.Entry<String, JsonNode> file = it.next();
            Path p = path(file.getKey());
            try {
                long size = fs.getFileStatus(p).getLen();
                if (size != file.getValue().asLong()) {
                    return String.format("%s has %,d bytes, %,d when it was written", HadoopFiles.display(p), size,
                            file.getValue().asLong());
                }
            } catch (java.io.FileNotFoundException ex) {
                return HadoopFiles.display(p) + " is missing";
            } catch (IOException ex) {
                throw HadoopFiles.failure(p, "look up", ex);
            }
        }
        return null;
    }

    /** Adds the visible files under {@code dir} (a committed output) to the record of the stage running now. */
    private void recordOutputs(Path dir) throws IOException {
        java.util.Deque<ObjectNode> running = outputs.get();
        if (running.isEmpty()) {
            return;
        }
        String prefix = root.toString() + "/";
        org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> files = fs.listFiles(dir, true);
        while (files.hasNext()) {
            FileStatus f = files.next();
            String full = f.getPath().toString();
            String relative = full.startsWith(prefix) ? full.substring(prefix.length()) : null;
            if (relative != null && java.util.Arrays.stream(relative.split("/")).noneMatch(part -> part.startsWith("."))) {
                running.peek().put(relative, f.getLen());
            }
        }
    }

    /**
     * Records that {@code name} runs in this folder with {@code settings}, or checks that it ran with the same ones:
     * a method's stages are reused only for the settings that made them.
     *
     * @param option the command-line option naming the folder, for messages
     */
    public synchronized void claim(String name, ObjectNode settings, String option) {
        if (checkClaim(name, settings, option)) {
            run.with("methods").set(name, normalized(settings)); // written with run.json's next write
        }
    }

    /**
     * Refuses {@code settings} for {@code name} when the folder holds a run of it with others (see {@link #claim});
     * true when the folder holds none.
     */
    public synchronized boolean checkClaim(String name, ObjectNode settings, String option) {
        ObjectNode given = normalized(settings);
        JsonNode before = run.path("methods").get(name);
        if (before != null && !before.equals(given)) {
            throw new StrataException(option + " " + HadoopFiles.display(root) + ": holds a " + name + " run with "
                    + "other settings (" + difference(before, given) + "); use another " + option
                    + " or remove the folder");
        }
        return before == null;
    }

    /** Forgets a stage, so that it runs again. */
    public synchronized void markUndone(String stage) {
        ((ObjectNode) run.get("stages")).remove(stage);
        save();
    }

    /**
     * A fresh hidden staging folder for {@code target} (a path relative to the run folder); staging folders left by
     * interrupted attempts are removed first.
     */
    public Path staging(String target) {
        create();
        Path finalPath = path(target);
        String prefix = "." + finalPath.getName() + ".partial-";
        try {
            Path parent = finalPath.getParent();
            if (fs.exists(parent)) {
                for (FileStatus f : fs.listStatus(parent)) {
                    if (f.getPath().getName().startsWith(prefix)) {
                        fs.delete(f.getPath(), true);
                    }
                }
            }
            return new Path(parent, prefix + UUID.randomUUID());
        } catch (IOException ex) {
            throw HadoopFiles.failure(finalPath, "prepare staging", ex);
        }
    }

    /** Moves a complete staging folder onto {@code target}, replacing what an unfinished attempt left there. */
    public void commit(Path staged, String target) {
        Path finalPath = path(target);
        try {
            if (fs.exists(finalPath)) {
                fs.delete(finalPath, true);
            }
            fs.mkdirs(finalPath.getParent());
            if (!fs.rename(staged, finalPath)) {
                throw new IOException("rename from " + staged + " failed");
            }
            recordOutputs(fs.makeQualified(finalPath));
        } catch (IOException ex) {
            throw HadoopFiles.failure(finalPath, "commit", ex);
        }
    }

    /**
     * Writes a small text file atomically (temporary file, then rename over the old one). Local files are written
     * without Hadoop's checksum sidecar: a crash between renaming a file and its .crc would leave the two disagreeing.
     * Within a stage, the file counts among the stage's outputs.
     */
    public void writeText(Path file, String text) {
        writeAtomically(file, text);
        try {
            recordOutputs(fs.makeQualified(file));
        } catch (IOException ex) {
            throw HadoopFiles.failure(file, "look up", ex);
        }
    }

    private void writeAtomically(Path file, String text) {
        try {
            if (HadoopFiles.isLocal(file)) {
                java.nio.file.Path target = java.nio.file.Path.of(file.toUri());
                java.nio.file.Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
                Files.createDirectories(target.getParent());
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return;
            }
            FileContext fc = FileContext.getFileContext(file.toUri(), conf);
            Path tmp = new Path(file.getParent(), "." + file.getName() + ".tmp-" + UUID.randomUUID());
            try (OutputStream out = fs.create(tmp, false)) {
                out.write(text.getBytes(StandardCharsets.UTF_8));
            }
            fc.rename(tmp, file, Options.Rename.OVERWRITE);
        } catch (IOException ex) {
            throw HadoopFiles.failure(file, "write", ex);
        }
    }

    /** Reads a small text file of the run folder. */
    public String readText(Path file) {
        return HadoopFiles.readText(file, conf, "");
    }

    /** Takes the folder's lock and writes run.json of a new run (once). */
    private synchronized void create() {
        if (!run.has("created")) {
            if (lock == null) {
                lock = RunLock.take(fs, root, where);
                if (HadoopFiles.exists(path(RUN_FILE), conf)) {
                    throw new StrataException(where + ": another strata process started a run there meanwhile; "
                            + "rerun to resume it");
                }
            }
            run.put("created", Instant.now().toString());
            save();
        }
    }

    /** Releases the folder's lock: the command is done with it. */
    @Override
    public synchronized void close() {
        if (lock != null) {
            lock.close();
            lock = null;
        }
    }

    private void save() {
        try {
            fs.mkdirs(root);
            writeAtomically(path(RUN_FILE), JSON.writeValueAsString(run) + "\n");
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        } catch (IOException ex) {
            throw HadoopFiles.failure(root, "create", ex);
        }
    }
}
