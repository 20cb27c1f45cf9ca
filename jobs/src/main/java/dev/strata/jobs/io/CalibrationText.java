package dev.strata.jobs.io;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.data.WindowPacker;
import dev.strata.pipeline.data.WindowSampler;
import dev.strata.pipeline.tokenize.Tokenizer;
import dev.strata.pipeline.util.Progress;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Calibration text: a file, a directory (its files, recursively) or a glob, on any Hadoop file system. Files are
 * taken in path order, read as UTF-8, tokenized one at a time (each file is one text) and packed into windows.
 * Every error names the path and what was expected.
 */
public final class CalibrationText {
    /** Largest file read as one text (a Java string holds at most 2^31 characters). */
    public static final long MAX_FILE_BYTES = 1L << 30;

    private CalibrationText() {
    }

    /** The files {@code spec} names, sorted by path; hidden files and files starting with '_' are skipped. */
    public static List<FileStatus> files(String spec, Configuration conf) {
        Path path = HadoopFiles.path(spec);
        FileSystem fs = HadoopFiles.fileSystem(path, conf);
        List<FileStatus> out = new ArrayList<>();
        try {
            FileStatus[] matches = fs.globStatus(path);
            if (matches == null || matches.length == 0) {
                throw new StrataException("--data " + spec + ": "
                        + (isGlob(spec) ? "matches no files" : "no such file or directory") + HadoopFiles.clusterHint(path));
            }
            for (FileStatus m : matches) {
                if (m.isDirectory()) {
                    RemoteIterator<LocatedFileStatus> it = fs.listFiles(m.getPath(), true);
                    while (it.hasNext()) {
                        LocatedFileStatus f = it.next();
                        if (visible(f.getPath())) {
                            out.add(f);
                        }
                    }
                } else if (visible(m.getPath())) {
                    out.add(m);
                }
            }
        } catch (FileNotFoundException ex) {
            throw new StrataException("--data " + spec + ": no such file or directory" + HadoopFiles.clusterHint(path));
        } catch (IOException ex) {
            throw HadoopFiles.failure(path, "list", ex);
        }
        out.sort(Comparator.comparing(f -> f.getPath().toString()));
        if (out.isEmpty()) {
            throw new StrataException("--data " + spec + ": holds no files");
        }
        if (out.stream().allMatch(f -> f.getLen() == 0)) {
            throw new StrataException("--data " + spec + ": " + (out.size() == 1 ? "the file is empty"
                    : "all " + out.size() + " files are empty"));
        }
        for (FileStatus f : out) {
            if (f.getLen() > MAX_FILE_BYTES) {
                throw new StrataException(HadoopFiles.display(f.getPath()) + ": " + f.getLen() + " bytes, above the " + MAX_FILE_BYTES
                        + "-byte limit of one text; split it into smaller files");
            }
        }
        return out;
    }

    private static boolean isGlob(String spec) {
        return spec.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    private static boolean visible(Path p) {
        String name = p.getName();
        return !name.startsWith(".") && !name.startsWith("_");
    }

    /** A whole file as strict UTF-8 text. */
    public static String read(FileStatus file, Configuration conf) {
        Path path = file.getPath();
        try (InputStream in = HadoopFiles.fileSystem(path, conf).open(path)) {
            byte[] bytes = in.readAllBytes();
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException ex) {
            throw new StrataException(HadoopFiles.display(path) + ": not UTF-8 text");
        } catch (IOException ex) {
            throw HadoopFiles.failure(path, "read", ex);
        }
    }

    /**
     * Calibration windows: the files {@code spec} names, tokenized and packed (see {@link #pack}), then all windows
     * or {@code samples} of them chosen at random from {@code seed}, numbered 0, 1, 2, ... in stream order.
     *
     * @param available windows the text gives
     * @param tokens tokens in the packed stream, BOS included
     */
    public record Windows(List<TokenWindow> windows, int available, long tokens, int files) {
    }

    /**
     * @param half the half of each file's text used
     * @param samples windows to choose at random, null for all
     */
    public static Windows windows(String spec, DataHalf half, Configuration conf, Tokenizer tokenizer, int seqLen,
            Integer samples, long seed) {
        List<FileStatus> files = files(spec, conf);
        WindowPacker packer = pack(files, half, conf, tokenizer, seqLen, spec);
        List<int[]> all = packer.windows();
        if (samples != null && samples > all.size()) {
            throw new StrataException("--samples " + samples + " is more than the " + all.size() + " windows of " + seqLen
                    + " tokens that --data " + spec + " gives");
        }
        int[] chosen = samples == null ? IntStream.range(0, all.size()).toArray()
                : WindowSampler.choose(all.size(), samples, seed);
        List<TokenWindow> windows = new ArrayList<>(chosen.length);
        for (int i : chosen) {
            windows.add(new TokenWindow(windows.size(), (long) i * seqLen, all.get(i)));
        }
        return new Windows(windows, all.size(), packer.tokens(), files.size());
    }

    /**
     * Tokenizes every file (one text each, its {@code half}, BOS first) and packs the stream into windows of
     * {@code seqLen}.
     */
    public static WindowPacker pack(List<FileStatus> files, DataHalf half, Configuration conf, Tokenizer tokenizer,
            int seqLen,
            String spec) {
        WindowPacker packer = new WindowPacker(seqLen, tokenizer.bosId());
        Progress progress = new Progress("tokenize", files.size(), "files");
        for (FileStatus f : files) {
            int[] ids = tokenizer.encode(half.of(read(f, conf)));
            packer.addText(ids);
            progress.advance(1, ids.length + 1L);
        }
        if (packer.windowCount() == 0) {
            throw new StrataException("--data " + spec + ": the text gives " + packer.tokens()
                    + " tokens (BOS included), fewer than one window of " + seqLen + " (--seq-len)");
        }
        return packer;
    }
}
