package dev.strata.jobs.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.CalibrationText;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.ModelFiles;
import dev.strata.jobs.io.RunFolder;
import dev.strata.jobs.io.WindowFiles;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.util.Require;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.score.CalibrationStats;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.ScoreSummary;
import dev.strata.pipeline.score.Scorer;
import dev.strata.pipeline.tokenize.Tokenizer;
import dev.strata.pipeline.util.Progress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import java.util.stream.IntStream;

/**
 * The distributed calibration job. Stage "windows": the calibration text is tokenized on the driver (so bad
 * input fails before any Spark stage), packed into windows and stored as Parquet under OUT/data/windows. Stage
 * "scores": each partition runs the capturing forward pass over whole batches of windows inside its executor
 * (the model loaded once per executor JVM), returns double-precision sums, and the driver combines them with
 * treeAggregate into the score tables under OUT/scores. Finished stages are skipped when the run is started
 * again with the same inputs.
 */
public final class CalibrateJob {
    /** Stage names in run.json. */
    public static final String WINDOWS_STAGE = "windows";
    public static final String SCORES_STAGE = "scores";
    /** Stage outputs, relative to the run folder. */
    public static final String WINDOWS = "data/windows";
    public static final String SCORES = "scores";
    public static final String SUMMARY = "summary.json";
    /** Windows a task reads from Parquet at a time (at least one batch): few file opens, bounded memory. */
    static final int READ_CHUNK = 256;
    private static final Logger LOG = LogManager.getLogger(CalibrateJob.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param seqLen window length, null for the model's context
     * @param samples windows chosen at random (seeded), null for all
     * @param partitions Spark partitions of the scoring pass, null for Spark's default parallelism
     * @param pplDrop also run the PPL-drop pass (one task per layer)
     * @param pplWindows evaluation windows of the PPL-drop pass (the first ones), null for all
     */
    public record Options(String model, String data, String out, Integer seqLen, Integer samples, long seed,
            int batch, Integer partitions, boolean pplDrop, Integer pplWindows) {
    }

    /** @param summary the content of OUT/scores/summary.json */
    public record Result(Path out, JsonNode summary, boolean windowsReused, boolean scoresReused) {
    }

    private CalibrateJob() {
    }

    /** Runs (or resumes) the job; {@code spark} is started only once the inputs are checked. */
    public static Result run(Options given, Supplier<SparkSession> spark) {
        // absolute addresses: the run's identity, and what executors elsewhere can open
        Options o = new Options(HadoopFiles.path(given.model()).toString(), HadoopFiles.path(given.data()).toString(),
                given.out(), given.seqLen(), given.samples(), given.seed(), given.batch(), given.partitions(),
                given.pplDrop(), given.pplWindows());
        Require.positive("--batch", o.batch());
        Require.positive("--samples", o.samples());
        Require.positive("--partitions", o.partitions());
        Require.positive("--ppl-windows", o.pplWindows());
        Configuration conf = HadoopFiles.configuration();
        java.nio.file.Path metadata = ModelFiles.localMetadata(HadoopFiles.path(o.model()), conf);
        LlamaConfig config = ModelFolder.readConfig(metadata);
        int seqLen = o.seqLen() != null ? o.seqLen() : config.maxPositions();
        if (seqLen < 2 || seqLen > config.maxPositions()) {
            throw new StrataException("--seq-len " + seqLen + (seqLen < 2 ? " is below 2"
                    : " is above max_position_embeddings " + config.maxPositions() + " of " + given.model() + "/config.json"));
        }
        ObjectNode inputs = JSON.createObjectNode();
        inputs.put("model", o.model());
        inputs.put("data", o.data());
        inputs.put("seq_len", seqLen);
        if (o.samples() != null) {
            inputs.put("samples", o.samples());
            inputs.put("seed", o.seed());
        }
        RunFolder run = RunFolder.open(o.out(), "--out", "calibrate", inputs);

        boolean windowsReused = run.isDone(WINDOWS_STAGE);
        if (!windowsReused) {
            writeWindows(o, given.data(), run, conf, metadata, config, seqLen, spark);
        } else {
            LOG.info("windows: reusing {} windows of {}", run.stage(WINDOWS_STAGE).path("windows").asLong(), run.path(WINDOWS));
        }
        long windows = run.stage(WINDOWS_STAGE).path("windows").asLong();

        boolean scoresReused = run.isDone(SCORES_STAGE) && (!o.pplDrop() || run.stage(SCORES_STAGE).path("ppl_drop").asBoolean());
        if (!scoresReused) {
            writeScores(o, run, config, seqLen, windows, spark.get());
        } else {
            LOG.info("scores: reusing {}", run.path(SCORES));
        }
        JsonNode summary = readJson(run, run.path(SCORES + "/" + SUMMARY));
        return new Result(run.root(), summary, windowsReused, scoresReused);
    }

    /** @param dataAsGiven the --data value as typed, for messages */
    private static void writeWindows(Options o, String dataAsGiven, RunFolder run, Configuration conf, java.nio.file.Path metadata,
            LlamaConfig config, int seqLen, Supplier<SparkSession> spark) {
        long start = System.nanoTime();
        CalibrationText.Windows sample;
        try (Tokenizer tokenizer = Tokenizer.load(metadata, config)) {
            sample = CalibrationText.windows(dataAsGiven, conf, tokenizer, seqLen, o.samples(), o.seed());
        }
        Path staging = run.staging(WINDOWS);
        WindowTable.write(spark.get(), sample.windows(), staging.toString());
        run.commit(staging, WINDOWS);
        ObjectNode info = JSON.createObjectNode();
        info.put("windows", sample.windows().size());
        info.put("windows_available", sample.available());
        info.put("tokens", sample.tokens());
        info.put("files", sample.files());
        info.put("seconds", (System.nanoTime() - start) / 1e9);
        run.markDone(WINDOWS_STAGE, info);
        LOG.info("windows: {} of {} windows of {} tokens from {} file(s) ({} tokens) in {}", sample.windows().size(),
                sample.available(), seqLen, sample.files(), sample.tokens(), run.path(WINDOWS));
    }

    private static void writeScores(Options o, RunFolder run, LlamaConfig config, int seqLen, long windows,
            SparkSession spark) {
        long start = System.nanoTime();
        int partitions = o.partitions() != null ? o.partitions() : spark.sparkContext().defaultParallelism();
        CalibrationStats stats = score(spark, o.model(), run.path(WINDOWS), windows, o.batch(), partitions);
        LayerScores scores = stats.scores();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("run_id", run.runId());
        header.put("model", o.model());
        header.put("data", o.data());
        header.put("seq_len", seqLen);
        if (o.pplDrop()) {
            List<TokenWindow> eval = readWindows(run, windows, o.pplWindows());
            PplDropJob.Result drop = PplDropJob.run(spark, o.model(), config.numLayers(), eval, o.batch());
            scores = scores.withLayerRows(drop.drops());
            header.put("ppl", drop.full());
            header.put("ppl_windows", eval.size());
        }
        Path staging = run.staging(SCORES);
        ScoreTables.write(spark, scores, run.runId(), o.model(), staging);
        ObjectNode summary = ScoreSummary.toJson(scores, config.numLayers(), header);
        run.writeText(new Path(staging, SUMMARY), toJson(summary));
        run.commit(staging, SCORES);
        ObjectNode info = JSON.createObjectNode();
        info.put("ppl_drop", o.pplDrop());
        info.put("tokens", scores.tokens());
        info.put("partitions", partitions);
        info.put("seconds", (System.nanoTime() - start) / 1e9);
        run.markDone(SCORES_STAGE, info);
    }

    /**
     * The statistics of every window: each partition streams its own run of whole batches straight from the
     * Parquet files (one stage, no shuffle), the driver merges the partial sums with treeAggregate.
     *
     * @param windowsPath the Parquet windows, numbered 0 .. windows-1
     */
    public static CalibrationStats score(SparkSession spark, String model, Path windowsPath, long windows, int batch,
            int partitions) {
        WindowFiles files = WindowFiles.of(windowsPath, HadoopFiles.configuration());
        BatchPlan plan = BatchPlan.of(windows, batch, partitions);
        LOG.info("scores: {} windows in batches of {} over {} partition(s)", windows, batch, plan.partitions());
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Integer> parts = IntStream.range(0, plan.partitions()).boxed().toList();
        JavaRDD<CalibrationStats> partial = jsc.parallelize(parts, parts.size()).map(part -> {
            TaskResources.useTaskThreads();
            long from = plan.firstWindow(part);
            long to = plan.endWindow(part);
            Progress progress = new Progress("scores part " + (part + 1) + "/" + plan.partitions(), to - from, "windows");
            try (ModelCache.Lease lease = ModelCache.acquire(model, TaskResources.device())) {
                Iterator<TokenWindow> byId = files.stream(from, to, Math.max(batch, READ_CHUNK), HadoopFiles.configuration());
                return Scorer.score(lease.model(), byId, batch, progress);
            }
        });
        return partial.treeAggregate(CalibrationStats.empty(), CalibrationStats::merge, CalibrationStats::merge);
    }

    /** The first {@code limit} windows by id (all when null). */
    private static List<TokenWindow> readWindows(RunFolder run, long windows, Integer limit) {
        long count = limit == null ? windows : Math.min(limit, windows);
        return WindowFiles.of(run.path(WINDOWS), run.configuration()).read(0, count, run.configuration());
    }

    private static JsonNode readJson(RunFolder run, Path file) {
        try {
            return JSON.readTree(run.readText(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new StrataException(file + ": not valid JSON: " + ex.getOriginalMessage());
        }
    }

    private static String toJson(JsonNode node) {
        try {
            return JSON.writeValueAsString(node) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
