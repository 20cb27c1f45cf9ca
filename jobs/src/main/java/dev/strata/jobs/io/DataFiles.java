package dev.strata.jobs.io;

import dev.strata.pipeline.StrataException;
import java.io.IOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * The evaluation's task-data folder (laid out as ../shared/data) anywhere Hadoop reaches, as a local folder: a local
 * one in place, a remote one (hdfs://, s3a://) copied with its sub-folders once per machine and version, into a
 * cache bounded like the models' ({@link LocalCopies}). Only the driver reads task data: it ships the examples read to
 * the executors, so the copy is made where the job is planned.
 */
public final class DataFiles {
    private static LocalCopies copies;

    private DataFiles() {
    }

    /** The folder as a run records it: a local one absolute, a remote one as its qualified address. */
    public static String address(String spec) {
        Path path = HadoopFiles.path(spec);
        return HadoopFiles.isLocal(path) ? java.nio.file.Path.of(spec).toAbsolutePath().normalize().toString()
                : path.toString();
    }

    /** A local folder holding the data at {@code spec}, or null when {@code spec} is not a directory. */
    public static java.nio.file.Path local(String spec, Configuration conf) {
        Path dir = HadoopFiles.path(spec);
        if (HadoopFiles.isLocal(dir)) {
            java.nio.file.Path local = java.nio.file.Path.of(spec).toAbsolutePath().normalize();
            return Files.isDirectory(local) ? local : null;
        }
        FileSystem fs = HadoopFiles.fileSystem(dir, conf);
        String version;
        try {
            if (!fs.getFileStatus(dir).isDirectory()) {
                return null;
            }
            version = version(fs, dir);
        } catch (java.io.FileNotFoundException ex) {
            return null;
        } catch (IOException ex) {
            throw HadoopFiles.failure(dir, "list", ex);
        }
        String key = ModelFiles.digest(dir + "@" + version);
        return copies().use(key, tmp -> {
            String root = fs.makeQualified(dir).toUri().getPath();
            RemoteIterator<LocatedFileStatus> files = fs.listFiles(dir, true);
            while (files.hasNext()) {
                Path file = files.next().getPath();
                String relative = file.toUri().getPath().substring(root.length()).replaceFirst("^/+", "");
                java.nio.file.Path target = tmp.resolve(relative).normalize();
                if (!target.startsWith(tmp)) {
                    throw new StrataException(HadoopFiles.display(file) + ": lies outside " + HadoopFiles.display(dir));
                }
                Files.createDirectories(target.getParent());
                fs.copyToLocalFile(file, new Path(target.toUri()));
            }
        });
    }

    /** The latest modification time, the total size and the count of the folder's files, at any depth. */
    private static String version(FileSystem fs, Path dir) throws IOException {
        long latest = 0;
        long size = 0;
        int count = 0;
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(dir, true);
        while (files.hasNext()) {
            FileStatus f = files.next();
            latest = Math.max(latest, f.getModificationTime());
            size += f.getLen();
            count++;
        }
        return latest + "-" + size + "-" + count;
    }

    private static synchronized LocalCopies copies() {
        if (copies == null) {
            copies = new LocalCopies(java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "strata-data"), "task data");
        }
        return copies;
    }
}
