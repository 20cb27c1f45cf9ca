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
 * A run's output folder (local, hdfs:// or s3a://): run.json names the run's inputs and records each finished
 * stage. Nothing is written until the first stage writes, so a run refused for bad input leaves no trace. A stage writes into a hidden staging folder that is renamed into place when complete, then marks itself
 * done; a rerun with the same inputs skips finished stages and redoes unfinished ones from scratch. A folder that
 * holds another run (other inputs) or that is not a run folder is refused before anything is written.
 */
public final class RunFolder {
    public static final String RUN_FILE = "run.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Logger LOG = LogManager.getLogger(RunFolder.class);

    private final Path root;
    private final FileSystem fs;
    private final Configuration conf;
    private final ObjectNode run;
    /** Stages found done whose reuse was logged. */
    private final Set<String> announced = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private RunFolder(Path root, FileSystem fs, Configuration conf, ObjectNode run) {
        this.root = root;
        this.fs = fs;
        this.conf = conf;
        this.run = run;
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
                return new RunFolder(root, fs, conf, existing);
            }
            if (fs.exists(root)) {
                if (!fs.getFileStatus(root).isDirectory()) {
                    throw new StrataException(option + " " + out + ": is a file, not a run folder");
                }
                for (FileStatus f : fs.listStatus(root)) {
                    if (!f.getPath().getName().startsWith(".")) {
                        throw new StrataException(option + " " + out + ": is not empty and holds no " + RUN_FILE
                                + " (not a Strata run folder); use another " + option);
                    }
                }
            }
            ObjectNode run = JSON.createObjectNode();
            run.put("kind", kind);
            run.put("run_id", root.getName());
            run.set("inputs", inputs.deepCopy());
            run.putObject("stages");
            return new RunFolder(root, fs, conf, run);
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
     * Runs {@code stage} unless an earlier attempt finished it: the one place stages are skipped, timed and recorded.
     * {@code work} writes the stage's output (staged, then committed) and returns what run.json records of it.
     *
     * @return the record of the stage, as this or an earlier attempt made it
     */
    public JsonNode once(String stage, java.util.function.Supplier<ObjectNode> work) {
        if (isDone(stage)) {
            if (announced.add(stage)) {
                LOG.info("{}: reusing (done {})", stage, stage(stage).path("finished").asText());
            }
            return stage(stage);
        }
        long start = System.nanoTime();
        LOG.info("{} ...", stage);
        ObjectNode info = work.get().deepCopy();
        double seconds = (System.nanoTime() - start) / 1e9;
        info.put("seconds", seconds);
        markDone(stage, info);
        announced.add(stage);
        LOG.info("{}: done in {} s", stage, String.format("%.1f", seconds));
        return stage(stage);
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
        } catch (IOException ex) {
            throw HadoopFiles.failure(finalPath, "commit", ex);
        }
    }

    /**
     * Writes a small text file atomically (temporary file, then rename over the old one). Local files are written
     * without Hadoop's checksum sidecar: a crash between renaming a file and its .crc would leave the two disagreeing.
     */
    public void writeText(Path file, String text) {
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

    /** Writes run.json of a new run (once). */
    private synchronized void create() {
        if (!run.has("created")) {
            run.put("created", Instant.now().toString());
            save();
        }
    }

    private void save() {
        try {
            fs.mkdirs(root);
            writeText(path(RUN_FILE), JSON.writeValueAsString(run) + "\n");
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        } catch (IOException ex) {
            throw HadoopFiles.failure(root, "create", ex);
        }
    }
}
