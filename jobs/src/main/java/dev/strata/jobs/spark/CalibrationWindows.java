package dev.strata.jobs.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.CalibrationText;
import dev.strata.jobs.io.RunFolder;
import dev.strata.jobs.io.WindowFiles;
import dev.strata.pipeline.StrataException;
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
 * The "windows" stage shared by every job that scores a model on calibration text: the text is tokenized on the
 * driver (so bad input fails before any Spark stage), packed into windows and stored as Parquet under
 * OUT/data/windows, numbered 0 .. n-1; a finished stage is reused.
 *
 * @param data the absolute address of the text (file, directory or glob)
 * @param dataAsGiven the --data value as typed, for messages
 * @param samples windows chosen at random (seeded), null for all
 */
public record CalibrationWindows(String data, String dataAsGiven, int seqLen, Integer samples, long seed) {
    public static final String STAGE = "windows";
    public static final String PATH = "data/windows";
    private static final Logger LOG = LogManager.getLogger(CalibrationWindows.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The window length: {@code seqLen}, or the model's context when null; refused outside 2 .. context. */
    public static int seqLen(Integer seqLen, LlamaConfig config, String modelAsGiven) {
        int n = seqLen != null ? seqLen : config.maxPositions();
        if (n < 2 || n > config.maxPositions()) {
            throw new StrataException("--seq-len " + n + (n < 2 ? " is below 2"
                    : " is above max_position_embeddings " + config.maxPositions() + " of " + modelAsGiven + "/config.json"));
        }
        return n;
    }

    /** Records what identifies the windows among a run's inputs. */
    public void describe(ObjectNode inputs) {
        inputs.put("data", data);
        inputs.put("seq_len", seqLen);
        if (samples != null) {
            inputs.put("samples", samples);
            inputs.put("seed", seed);
        }
    }

    /** Writes the windows unless the run has them; returns their count. */
    public long ensure(RunFolder run, java.nio.file.Path modelMetadata, LlamaConfig config, Supplier<SparkSession> spark) {
        if (run.isDone(STAGE)) {
            long n = run.stage(STAGE).path("windows").asLong();
            LOG.info("windows: reusing {} windows of {}", n, run.path(PATH));
            return n;
        }
        long start = System.nanoTime();
        CalibrationText.Windows sample;
        try (Tokenizer tokenizer = Tokenizer.load(modelMetadata, config)) {
            sample = CalibrationText.windows(dataAsGiven, run.configuration(), tokenizer, seqLen, samples, seed);
        }
        Path staging = run.staging(PATH);
        WindowTable.write(spark.get(), sample.windows(), staging.toString());
        run.commit(staging, PATH);
        ObjectNode info = JSON.createObjectNode();
        info.put("windows", sample.windows().size());
        info.put("windows_available", sample.available());
        info.put("tokens", sample.tokens());
        info.put("files", sample.files());
        info.put("seconds", (System.nanoTime() - start) / 1e9);
        run.markDone(STAGE, info);
        LOG.info("windows: {} of {} windows of {} tokens from {} file(s) ({} tokens) in {}", sample.windows().size(),
                sample.available(), seqLen, sample.files(), sample.tokens(), run.path(PATH));
        return sample.windows().size();
    }

    /** The first {@code limit} windows of a run by id (all when null). */
    public static List<TokenWindow> read(RunFolder run, long windows, Integer limit) {
        long count = limit == null ? windows : Math.min(limit, windows);
        return WindowFiles.of(run.path(PATH), run.configuration()).read(0, count, run.configuration());
    }
}
