package dev.strata.jobs.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.RunFolder;
import dev.strata.jobs.io.WindowFiles;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.score.CalibrationStats;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.ScoreSummary;
import dev.strata.pipeline.score.Scorer;
import dev.strata.pipeline.util.Progress;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
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
    public static final String SCORES_STAGE = "scores";
    /** Stage outputs, relative to the run folder. */
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
        CalibrationInputs in = CalibrationInputs.check(given.model(), given.data(), given.seqLen(), given.samples(),
                given.seed(), given.batch(), given.partitions(), given.pplWindows());
        Options o = new Options(in.model(), in.windows().data(), given.out(), given.seqLen(), given.samples(),
                given.seed(), given.batch(), given.partitions(), given.pplDrop(), given.pplWindows());
        LlamaConfig config = in.config();
        int seqLen = in.windows().seqLen();
        ObjectNode inputs = in.identity();
        RunFolder run = RunFolder.open(o.out(), "--out", "calibrate", inputs);

        boolean windowsReused = run.isDone(CalibrationWindows.STAGE);
        long windows = in.windows().ensure(run, in.metadata(), config, spark);

        boolean scoresReused = run.isDone(SCORES_STAGE) && (!o.pplDrop() || run.stage(SCORES_STAGE).path("ppl_drop").asBoolean());
        if (!scoresReused) {
            writeScores(o, run, config, seqLen, windows, spark.get());
        } else {
            LOG.info("scores: reusing {}", run.path(SCORES));
        }
        JsonNode summary = readJson(run, run.path(SCORES + "/" + SUMMARY));
        return new Result(run.root(), summary, windowsReused, scoresReused);
    }

    private static void writeScores(Options o, RunFolder run, LlamaConfig config, int seqLen, long windows,
            SparkSession spark) {
        long start = System.nanoTime();
        int partitions = o.partitions() != null ? o.partitions() : spark.sparkContext().defaultParallelism();
        Scored scored = scoreOriginal(spark, run, o.model(), config, o.data(), seqLen, windows, o.batch(), partitions,
                o.pplDrop(), o.pplWindows(), SCORES);
        ObjectNode info = JSON.createObjectNode();
        info.put("ppl_drop", o.pplDrop());
        info.put("tokens", scored.scores().tokens());
        info.put("partitions", partitions);
        info.put("seconds", (System.nanoTime() - start) / 1e9);
        run.markDone(SCORES_STAGE, info);
    }

    /**
     * The scores of a model on a run's windows.
     *
     * @param ppl the whole model's perplexity on the PPL-drop windows, or null without PPL-drop
     */
    public record Scored(LayerScores scores, Double ppl, int pplWindows) {
        void describe(Map<String, Object> header) {
            if (ppl != null) {
                header.put("ppl", ppl);
                header.put("ppl_windows", pplWindows);
            }
        }
    }

    /** Scores {@code model} on the windows of {@code run}, with the PPL-drop pass when asked. */
    public static Scored scoreRun(SparkSession spark, String model, int layers, RunFolder run, long windows, int batch,
            int partitions, boolean pplDrop, Integer pplWindows) {
        LayerScores scores = score(spark, model, run.path(CalibrationWindows.PATH), windows, batch, partitions).scores();
        if (!pplDrop) {
            return new Scored(scores, null, 0);
        }
        List<TokenWindow> eval = CalibrationWindows.read(run, windows, pplWindows);
        PplDropJob.Result drop = PplDropJob.run(spark, model, layers, eval, batch);
        return new Scored(scores.withLayerRows(drop.drops()), drop.full(), eval.size());
    }

    /**
     * Scores the model a run starts from on the run's windows and commits its tables and summary.json (step 0) to
     * {@code target} in the run folder.
     */
    public static Scored scoreOriginal(SparkSession spark, RunFolder run, String model, LlamaConfig config, String data,
            int seqLen, long windows, int batch, int partitions, boolean pplDrop, Integer pplWindows, String target) {
        Scored scored = scoreRun(spark, model, config.numLayers(), run, windows, batch, partitions, pplDrop, pplWindows);
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("run_id", run.runId());
        header.put("model", model);
        header.put("data", data);
        header.put("seq_len", seqLen);
        scored.describe(header);
        Path staging = run.staging(target);
        writeTables(spark, run, scored.scores(), 0, model, config, header, staging);
        run.commit(staging, target);
        return scored;
    }

    /** Writes the three score tables (with their step) and summary.json into {@code dir}. */
    public static void writeTables(SparkSession spark, RunFolder run, LayerScores scores, int step, String model,
            LlamaConfig config, Map<String, Object> header, Path dir) {
        ScoreTables.write(spark, scores, run.runId(), model, step, dir);
        ObjectNode summary = ScoreSummary.toJson(scores, config.numLayers(), header);
        run.writeText(new Path(dir, SUMMARY), toJson(summary));
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
