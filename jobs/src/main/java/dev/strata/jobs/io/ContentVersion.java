package dev.strata.jobs.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a run's input is by content, not by path: per file, its size and a SHA-256 of its bytes. Files above
 * {@link #WHOLE_DIGEST_BYTES} (weight shards of large models) are digested from {@link #SAMPLES} evenly spaced
 * blocks, so that versioning a 140 GB model reads 16 MB of it; times are left out, so a copy or a deterministic
 * rewrite keeps its version.
 */
public final class ContentVersion {
    static final long WHOLE_DIGEST_BYTES = 64L << 20;
    static final int SAMPLES = 16;
    static final int SAMPLE_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ContentVersion() {
    }

    /** The version of a model folder: its visible files (not its subfolders). */
    public static ObjectNode ofFolder(Path dir, Configuration conf) {
        FileSystem fs = HadoopFiles.fileSystem(dir, conf);
        try {
            List<FileStatus> files = new java.util.ArrayList<>();
            for (FileStatus f : fs.listStatus(dir)) {
                if (f.isFile() && !f.getPath().getName().startsWith(".")) {
                    files.add(f);
                }
            }
            return ofFiles(files, fs, dir);
        } catch (FileNotFoundException ex) {
            throw new StrataException(HadoopFiles.display(dir) + ": no such directory");
        } catch (IOException ex) {
            throw HadoopFiles.failure(dir, "list", ex);
        }
    }

    /**
     * The version of {@code files}, named relative to {@code root} (a folder), by name when {@code root} is the file
     * itself, else in full (files a glob matched).
     */
    public static ObjectNode ofFiles(List<FileStatus> files, FileSystem fs, Path root) {
        ObjectNode version = JSON.createObjectNode();
        String prefix = root.toString() + "/";
        List<FileStatus> sorted = files.stream().sorted(Comparator.comparing(f -> f.getPath().toString())).toList();
        for (FileStatus f : sorted) {
            String full = f.getPath().toString();
            String name = full.startsWith(prefix) ? full.substring(prefix.length())
                    : full.equals(root.toString()) ? f.getPath().getName() : HadoopFiles.display(f.getPath());
            ObjectNode entry = version.putObject(name);
            entry.put("bytes", f.getLen());
            entry.put("sha256", digest(fs, f));
        }
        return version;
    }

    /**
     * Adds to {@code version} the entry {@code name} of text held in memory (what an evaluation read, a variant's
     * half), made of {@code parts}: its length in characters and one digest, comparable as a file's entry is.
     */
    public static void putText(ObjectNode version, String name, List<String> parts) {
        version.putObject(name).put("bytes", parts.stream().mapToLong(String::length).sum())
                .put("sha256", digest(parts));
    }

    private static String digest(List<String> parts) {
        MessageDigest sha = sha256();
        for (String part : parts) {
            byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
            sha.update(java.nio.ByteBuffer.allocate(Long.BYTES).putLong(bytes.length).array());
            sha.update(bytes);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /**
     * How {@code now} differs from {@code before}, for people: the first file added, removed or changed
     * ("model.safetensors: 1,034,000 bytes there, 1,034,100 here"); null when they are equal.
     */
    public static String difference(JsonNode before, JsonNode now) {
        if (before == null || !before.isObject()) {
            return "its content was not recorded (made by an older strata)";
        }
        if (!now.isObject()) {
            return before.equals(now) ? null : "its content differs";
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = now.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> file = it.next();
            JsonNode was = before.get(file.getKey());
            if (was == null) {
                return file.getKey() + " was added";
            }
            if (was.path("bytes").asLong() != file.getValue().path("bytes").asLong()) {
                return String.format("%s: %,d bytes there, %,d here", file.getKey(), was.path("bytes").asLong(),
                        file.getValue().path("bytes").asLong());
            }
            if (!was.equals(file.getValue())) {
                return file.getKey() + ": its content differs";
            }
        }
        for (Iterator<String> it = before.fieldNames(); it.hasNext();) {
            String name = it.next();
            if (!now.has(name)) {
                return name + " was removed";
            }
        }
        return null;
    }

    private static String digest(FileSystem fs, FileStatus f) {
        MessageDigest sha = sha256();
        byte[] buffer = new byte[SAMPLE_BYTES];
        try (FSDataInputStream in = fs.open(f.getPath())) {
            if (f.getLen() <= WHOLE_DIGEST_BYTES) {
                update(sha, in, buffer, f.getLen());
            } else {
                long stride = (f.getLen() - SAMPLE_BYTES) / (SAMPLES - 1);
                for (int i = 0; i < SAMPLES; i++) {
                    in.seek(i * stride);
                    update(sha, in, buffer, SAMPLE_BYTES);
                }
            }
        } catch (IOException ex) {
            throw HadoopFiles.failure(f.getPath(), "read", ex);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void update(MessageDigest sha, InputStream in, byte[] buffer, long bytes) throws IOException {
        long left = bytes;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new IOException("the file ended early (it changed while being read?)");
            }
            sha.update(buffer, 0, n);
            left -= n;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
