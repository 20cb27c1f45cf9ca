package dev.strata.jobs.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.CalibrationText;
import dev.strata.jobs.io.ContentVersion;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.RunFolder;
import dev.strata.jobs.io.WindowFiles;
import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.tokenize.Tokenizer;
import java.util.List;
import java.util.function.Supplier;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

/**
 * The windows of a calibration text: it is tokenized on the driver (so bad input fails before any Spark stage),
 * packed into windows of {@code seqLen} tokens, {@code samples} of them drawn at random (seeded), and stored as
 * Parquet, numbered 0 .. n-1, under {@link RunLayout#windows}; a finished stage is reused.
 *
 * @param data the absolute address of the text (file, directory or glob)
 * @param dataAsGiven the --data value as typed, for messages
 * @param half the half of each file used
 * @param samples windows chosen at random (seeded), null for all
 */
public record CalibrationWindows(String data, String dataAsGiven, DataHalf half, int seqLen, Integer samples,
        long seed) {
    private static final Logger LOG = LogManager.getLogger(CalibrationWindows.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Records what identifies the windows among a run's inputs. */
    public void describe(ObjectNode inputs) {
        inputs.put("data", data);
        if (half != DataHalf.ALL) {
            inputs.put("data_half", half.id());
        }
        inputs.put("seq_len", seqLen);
        if (samples != null) {
            inputs.put("samples", samples);
        }
        inputs.put("seed", seed); // also draws the training windows of other sample counts
    }

    /** The content of the calibration text's files. */
    public ObjectNode version(org.apache.hadoop.conf.Configuration conf) {
        List<org.apache.hadoop.fs.FileStatus> files = CalibrationText.files(dataAsGiven, conf);
        org.apache.hadoop.fs.Path root = new Path(data);
        return ContentVersion.ofFiles(files, HadoopFiles.fileSystem(root, conf), root);
    }

    /** Another number of windows drawn from the same text with the same seed (null: every window). */
    public CalibrationWindows withSamples(Integer count) {
        return new CalibrationWindows(data, dataAsGiven, half, seqLen, count, seed);
    }

    /** Where the run stores these windows (also the name of the stage that writes them). */
    public String path() {
        return RunLayout.windows(samples);
    }

    /** Writes the windows unless the run has them; returns their count. */
    public long ensure(RunFolder run, java.nio.file.Path modelMetadata, LlamaConfig config, Supplier<SparkSession> spark) {
        return run.once(path(), () -> {
            CalibrationText.Windows sample;
            try (Tokenizer tokenizer = Tokenizer.load(modelMetadata, config)) {
                sample = CalibrationText.windows(dataAsGiven, half, run.configuration(), tokenizer, seqLen,
                        samples, seed);
            }
            Path staging = run.staging(path());
            WindowTable.write(spark.get(), sample.windows(), staging.toString());
            run.commit(staging, path());
            LOG.info("windows: {} of {} windows of {} tokens from {} file(s) ({} tokens) in {}", sample.windows().size(),
                    sample.available(), seqLen, sample.files(), sample.tokens(), run.path(path()));
            ObjectNode info = JSON.createObjectNode();
            info.put("windows", sample.windows().size());
            info.put("windows_available", sample.available());
            info.put("tokens", sample.tokens());
            info.put("files", sample.files());
            return info;
        }).path("windows").asLong();
    }

    /** The first {@code limit} of {@code windows} windows of a run by id (all when null). */
    public List<TokenWindow> read(RunFolder run, long windows, Integer limit) {
        long count = limit == null ? windows : Math.min(limit, windows);
        return WindowFiles.of(run.path(path()), run.configuration()).read(0, count, run.configuration());
    }
}
