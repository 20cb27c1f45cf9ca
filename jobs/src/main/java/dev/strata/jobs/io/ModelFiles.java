package dev.strata.jobs.io;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.util.AtomicDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.Safetensors;
import dev.strata.pipeline.model.Tensor;
import java.util.Collection;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A model folder anywhere Hadoop reaches, made available as a local folder: local folders are used in place,
 * remote ones (hdfs://, s3a://) are copied once per machine into a cache folder named after their address and
 * version, written atomically, and bounded in size ({@link LocalCopies}).
 */
public final class ModelFiles {
    private static LocalCopies copies;

    private ModelFiles() {
    }

    /** The folder's version: the latest modification time and the total size of its files. */
    public static String version(Path dir, Configuration conf) {
        FileSystem fs = HadoopFiles.fileSystem(dir, conf);
        try {
            if (!fs.getFileStatus(dir).isDirectory()) {
                throw new StrataException(HadoopFiles.display(dir) + ": not a model folder (not a directory)");
            }
            long latest = 0;
            long size = 0;
            for (FileStatus f : fs.listStatus(dir)) {
                latest = Math.max(latest, f.getModificationTime());
                size += f.getLen();
            }
            return latest + "-" + size;
        } catch (java.io.FileNotFoundException ex) {
            throw new StrataException(HadoopFiles.display(dir) + ": not a model folder (no such directory"
                    + HadoopFiles.clusterHint(dir) + ")");
        } catch (IOException ex) {
            throw HadoopFiles.failure(dir, "list", ex);
        }
    }

    /** A local folder holding the model at {@code dir}. */
    public static java.nio.file.Path local(Path dir, Configuration conf) {
        return local(dir, conf, true);
    }

    /**
     * A local folder holding the model's config and tokenizer files, without weights: what the driver needs to
     * plan a job without copying a large remote model.
     */
    public static java.nio.file.Path localMetadata(Path dir, Configuration conf) {
        return local(dir, conf, false);
    }

    private static java.nio.file.Path local(Path dir, Configuration conf, boolean weights) {
        if (HadoopFiles.isLocal(dir)) {
            java.nio.file.Path local = java.nio.file.Path.of(dir.toUri());
            String hint = HadoopFiles.clusterHint(dir);
            if (!hint.isEmpty() && !Files.isDirectory(local)) {
                throw new StrataException(HadoopFiles.display(dir) + ": not a model folder (no such directory" + hint + ")");
            }
            return local;
        }
        String key = digest(dir + "@" + version(dir, conf) + (weights ? "" : "@metadata"));
        FileSystem fs = HadoopFiles.fileSystem(dir, conf);
        return copies().use(key, tmp -> {
            for (FileStatus f : fs.listStatus(dir)) {
                if (f.isFile() && (weights || !f.getPath().getName().endsWith(".safetensors"))) {
                    fs.copyToLocalFile(f.getPath(), new Path(tmp.resolve(f.getPath().getName()).toUri()));
                }
            }
        });
    }

    private static synchronized LocalCopies copies() {
        if (copies == null) {
            copies = new LocalCopies(java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "strata-models"), "model");
        }
        return copies;
    }

    /**
     * Writes a model folder to {@code dir} (absent; local, hdfs:// or s3a://) with extra small text files beside the
     * weights. Remote folders are written locally first and copied up.
     */
    public static void write(ModelWeights model, Map<String, String> extraFiles, Path dir, Configuration conf) {
        try {
            if (HadoopFiles.isLocal(dir)) {
                java.nio.file.Path local = java.nio.file.Path.of(dir.toUri());
                ModelFolder.write(model, local, ModelFolder.DEFAULT_MAX_SHARD_BYTES, extraFiles);
                return;
            }
            java.nio.file.Path tmp = Files.createTempDirectory("strata-model-").resolve("model");
            try {
                ModelFolder.write(model, tmp, ModelFolder.DEFAULT_MAX_SHARD_BYTES, extraFiles);
                upload(tmp, dir, conf);
            } finally {
                AtomicDirectory.deleteQuietly(tmp.getParent());
            }
        } catch (IOException ex) {
            throw HadoopFiles.failure(dir, "write the model", ex);
        }
    }

    /**
     * Copies a local file or folder to {@code target} through the target's output streams. Not copyFromLocalFile: S3A's
     * (Hadoop 3.4.1) sends a file whose signed payload hash an S3 endpoint on plain HTTP refuses (XAmzContentSHA256Mismatch).
     */
    private static void upload(java.nio.file.Path local, Path target, Configuration conf) throws IOException {
        FileSystem localFs = FileSystem.getLocal(conf);
        if (!org.apache.hadoop.fs.FileUtil.copy(localFs, new Path(local.toUri()), HadoopFiles.fileSystem(target, conf),
                target, false, true, conf)) {
            throw new IOException("the copy from " + local + " stopped");
        }
    }

    /** Writes tensors as one safetensors file at {@code file} (local, hdfs:// or s3a://). */
    public static void writeTensors(Collection<Tensor> tensors, Path file, Configuration conf) {
        try {
            if (HadoopFiles.isLocal(file)) {
                java.nio.file.Path local = java.nio.file.Path.of(file.toUri());
                Files.createDirectories(local.getParent());
                Safetensors.write(local, tensors, Map.of());
                return;
            }
            java.nio.file.Path tmp = Files.createTempDirectory("strata-tensors-");
            try {
                java.nio.file.Path local = tmp.resolve(file.getName());
                Safetensors.write(local, tensors, Map.of());
                upload(local, file, conf);
            } finally {
                AtomicDirectory.deleteQuietly(tmp);
            }
        } catch (IOException ex) {
            throw HadoopFiles.failure(file, "write", ex);
        }
    }

    /** Reads every tensor of a safetensors file (local, hdfs:// or s3a://). */
    public static Map<String, Tensor> readTensors(Path file, Configuration conf) {
        if (HadoopFiles.isLocal(file)) {
            return Safetensors.read(java.nio.file.Path.of(file.toUri()));
        }
        try {
            java.nio.file.Path tmp = Files.createTempDirectory("strata-tensors-");
            try {
                java.nio.file.Path local = tmp.resolve(file.getName());
                HadoopFiles.fileSystem(file, conf).copyToLocalFile(file, new Path(local.toUri()));
                return Safetensors.read(local);
            } finally {
                AtomicDirectory.deleteQuietly(tmp);
            }
        } catch (IOException ex) {
            throw HadoopFiles.failure(file, "read", ex);
        }
    }


    /** A short hex digest of {@code text}: a cache entry's name. */
    static String digest(String text) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 12);
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
