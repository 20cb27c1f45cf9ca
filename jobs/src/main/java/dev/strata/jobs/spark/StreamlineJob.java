package dev.strata.jobs.spark;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.ModelFiles;
import dev.strata.jobs.io.RunFolder;
import dev.strata.jobs.io.WindowFiles;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.Replacement;
import dev.strata.pipeline.compress.StreamlineBlock;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.forward.DecoderLayer;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.Metric;
import dev.strata.pipeline.surgery.LayerSurgery;
import dev.strata.pipeline.surgery.LayerWeights;
import dev.strata.pipeline.train.LanguageModelTuning;
import dev.strata.pipeline.train.LayerDistillation;
import dev.strata.pipeline.train.ReplacementLoss;
import dev.strata.pipeline.train.TrainSettings;
import dev.strata.pipeline.train.TrainedLayer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * LLM-Streamline: score the model on calibration windows (stage "scores": OUT/scores/step-000, the Parquet tables
 * of the calibration job), choose the block of N consecutive layers with the highest block cosine from the
 * block_scores table, remove it and put the replacement's initial weights in its place (stage "prune":
 * OUT/models/pruned with streamline_plan.json), then train the replacement on the same windows (stage "train": one
 * Spark task; the (input, target) pairs are recomputed by the teacher batch by batch, never stored) and write
 * OUT/models/final. With the replacement {@code none} the pruned model is the result.
 */
public final class StreamlineJob {
    public static final String KIND = "prune-streamline";
    public static final String SCORES_STAGE = "scores";
    public static final String PRUNE_STAGE = "prune";
    public static final String TRAIN_STAGE = "train";
    public static final String PRUNED_MODEL = "models/pruned";
    public static final String FINAL_MODEL = "models/final";
    public static final String PLAN = "streamline_plan.json";
    private static final Logger LOG = LogManager.getLogger(StreamlineJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param layers the block length N, or null when {@code targetParams} says
     * @param batch windows per forward pass of the scoring
     * @param scores a folder holding block_scores of this model on this text (a calibration run's scores, a merge
     *     run's scores/step-000) to choose the block from, or null to compute them in this run
     * @param training the replacement's training (ignored for {@code none})
     */
    public record Options(String model, String data, String out, Integer seqLen, Integer samples, long seed, int batch,
            Integer partitions, String scores, Integer layers, Double targetParams, Replacement replacement, ReplacementLoss loss,
            TrainSettings training) {
    }

    /**
     * @param model the result: OUT/models/final, or OUT/models/pruned for the replacement none
     * @param parameters the result's parameters that compute (an FFN replacement's zero attention not counted)
     */
    public record Result(Path out, Path model, StreamlineBlock block, long parameters, ObjectNode training) {
    }

    /** @param probe the trained model's logits at the last of {@link #probeTokens} (its first values) */
    record Losses(double first, double last, double lastEpoch, int steps, float[] probe) implements Serializable {
    }

    /** Tokens the trained model is probed on: its logits there are recorded, to check the exported folder by. */
    public static long[] probeTokens(int vocab) {
        return LongStream.range(0, 32).map(i -> (7 * i + 1) % vocab).toArray();
    }

    private StreamlineJob() {
    }

    public static Result run(Options given, Supplier<SparkSession> spark) {
        int batch = given.batch();
        CalibrationInputs in = CalibrationInputs.check(given.model(), given.data(), given.seqLen(), given.samples(),
                given.seed(), batch, given.partitions(), null);
        LlamaConfig config = in.config();
        int length = blockLength(config, given.layers(), given.targetParams(), given.replacement());
        ObjectNode inputs = in.identity();
        inputs.put("block_length", length);
        inputs.put("replacement", given.replacement().id());
        if (given.replacement().isTrained()) {
            inputs.put("loss", given.loss().id());
            inputs.set("training", JSON.valueToTree(given.training()));
        }
        if (given.scores() != null) {
            inputs.put("scores", HadoopFiles.path(given.scores()).toString());
        }
        RunFolder run = RunFolder.open(given.out(), "--out", KIND, inputs);
        long windows = in.windows().ensure(run, in.metadata(), config, spark);
        String model = in.model();
        Path scores = given.scores() != null ? HadoopFiles.path(given.scores()) : run.path(MergeJob.scoresPath(0));
        if (given.scores() == null && !run.isDone(SCORES_STAGE)) {
            score(run, given, spark.get(), model, config, windows, batch, in.windows().seqLen());
        } else {
            LOG.info("scores: reusing {}", HadoopFiles.display(scores));
        }
        if (!run.isDone(PRUNE_STAGE)) {
            prune(run, spark.get(), model, config, scores, length, given.replacement());
        } else {
            LOG.info("prune: reusing {}", run.path(PRUNED_MODEL));
        }
        ObjectNode plan = (ObjectNode) run.stage(PRUNE_STAGE);
        StreamlineBlock block = new StreamlineBlock(plan.get("start").asInt(), length, plan.get("cosine").asDouble());
        long parameters = plan.get("parameters").asLong();
        if (!given.replacement().isTrained()) {
            return new Result(run.root(), run.path(PRUNED_MODEL), block, parameters, null);
        }
        if (!run.isDone(TRAIN_STAGE)) {
            train(run, spark.get(), model, block, windows, given);
        } else {
            LOG.info("train: reusing {}", run.path(FINAL_MODEL));
        }
        return new Result(run.root(), run.path(FINAL_MODEL), block, parameters, (ObjectNode) run.stage(TRAIN_STAGE));
    }

    private static void score(RunFolder run, Options o, SparkSession spark, String model, LlamaConfig config,
            long windows, int batch, int seqLen) {
        long start = System.nanoTime();
        int partitions = o.partitions() != null ? o.partitions() : spark.sparkContext().defaultParallelism();
        CalibrateJob.Scored scored = CalibrateJob.scoreOriginal(spark, run, model, config,
                HadoopFiles.path(o.data()).toString(), seqLen, windows, batch, partitions, false, null,
                MergeJob.scoresPath(0));
        ObjectNode info = JSON.createObjectNode();
        info.put("tokens", scored.scores().tokens());
        info.put("seconds", (System.nanoTime() - start) / 1e9);
        run.markDone(SCORES_STAGE, info);
    }

    /** Chooses the block from the Parquet block scores and writes the model with the untrained replacement. */
    private static void prune(RunFolder run, SparkSession spark, String model, LlamaConfig config, Path scores,
            int length, Replacement replacement) {
        List<LayerScores.BlockScore> cosines = ScoreTables.readBlocks(spark, scores, Metric.COSINE, model);
        StreamlineBlock block = StreamlineBlock.choose(new LayerScores(List.of(), cosines, List.of(), 0, 0),
                config.numLayers(), length, "--layers");
        Checkpoint original = ModelFolder.read(ModelFiles.local(HadoopFiles.path(model), run.configuration()));
        LayerWeights initial = replacement.isTrained()
                ? replacement.initial(LayerWeights.of(original, block.start())) : null;
        Checkpoint pruned = LayerSurgery.replaceBlock(original, block.start(), length, initial);
        ObjectNode plan = JSON.createObjectNode();
        plan.put("method", "streamline");
        plan.put("original_layers", config.numLayers());
        plan.put("start", block.start());
        plan.put("length", length);
        plan.put("cosine", block.cosine());
        plan.put("replacement", replacement.id());
        plan.put("replacement_layer", replacement.isTrained() ? block.start() : -1);
        plan.put("parameters", parameters(config, length, replacement));
        Path staged = run.staging(PRUNED_MODEL);
        ModelFiles.write(pruned, Map.of(PLAN, plan.toPrettyString() + "\n"), staged, run.configuration());
        run.commit(staged, PRUNED_MODEL);
        run.markDone(PRUNE_STAGE, plan);
        LOG.info("prune: block {}..{} (mean cosine {}) replaced by {}: {} -> {} layers", block.start(),
                block.end() - 1, String.format("%.5f", block.cosine()), replacement.id(), config.numLayers(),
                pruned.config().numLayers());
    }

    /** One Spark task trains the replacement; the driver records its losses. */
    private static void train(RunFolder run, SparkSession spark, String teacher, StreamlineBlock block, long windows,
            Options o) {
        long start = System.nanoTime();
        String pruned = run.path(PRUNED_MODEL).toString();
        Path staging = run.staging(FINAL_MODEL);
        String stagingPath = staging.toString();
        String plan = run.readText(new Path(pruned, PLAN));
        WindowFiles files = WindowFiles.of(run.path(CalibrationWindows.PATH), run.configuration());
        TrainSettings settings = o.training();
        int steps = settings.steps(windows);
        Replacement replacement = o.replacement();
        ReplacementLoss loss = o.loss();
        String stage = "train " + replacement.id() + " for layers " + block.start() + ".." + (block.end() - 1) + " ("
                + loss.id() + ")";
        LOG.info("{}: {} steps of {} windows", stage, steps, settings.batch());
        Losses losses = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(0), 1).map(x -> {
            TaskResources.useTaskThreads();
            Configuration conf = HadoopFiles.configuration();
            Supplier<Iterator<TokenWindow>> epoch = () -> files.stream(0, windows, CalibrateJob.READ_CHUNK, conf);
            try (ModelCache.Lease t = ModelCache.acquire(teacher, TaskResources.device());
                    ModelCache.Lease s = ModelCache.acquire(pruned, TaskResources.device());
                    TrainedLayer r = loss == ReplacementLoss.MSE
                            ? LayerDistillation.train(t.model(), s.model().layers().get(block.start()),
                                    replacement.trainedPart(), block.start(), block.end(), epoch, settings, steps, stage)
                            : LanguageModelTuning.train(s.model(), block.start(), replacement.trainedPart(), epoch,
                                    settings, steps, stage)) {
                List<DecoderLayer> layers = new ArrayList<>(s.model().layers());
                layers.set(block.start(), r.layer());
                LlamaModel trained = s.model().withLayers(layers);
                ModelFiles.write(trained.toCheckpoint(), Map.of(PLAN, plan), new Path(stagingPath), conf);
                return new Losses(r.firstLoss(), r.lastLoss(), r.lastEpochLoss(), r.steps(), probe(trained));
            }
        }).collect().get(0);
        run.commit(staging, FINAL_MODEL);
        ObjectNode info = JSON.createObjectNode();
        info.put("loss", loss.id());
        info.put("first_loss", losses.first());
        info.put("last_loss", losses.last());
        info.put("last_epoch_loss", losses.lastEpoch());
        info.put("steps", losses.steps());
        ArrayNode probe = info.putArray("probe_logits");
        for (float v : losses.probe()) {
            probe.add(v);
        }
        info.put("seconds", (System.nanoTime() - start) / 1e9);
        run.markDone(TRAIN_STAGE, info);
        LOG.info("{}: loss {} -> {} over {} steps (last epoch mean {})", stage, String.format("%.5f", losses.first()),
                String.format("%.5f", losses.last()), losses.steps(), String.format("%.5f", losses.lastEpoch()));
    }

    /** The first (at most 64) logits at the last probe token. */
    private static float[] probe(LlamaModel model) {
        try (NDManager scope = model.newScope()) {
            long[] tokens = probeTokens(model.config().vocabSize());
            float[] logits = model.logits(model.tokens(scope, new long[][] {tokens})).get(0, tokens.length - 1)
                    .toFloatArray();
            return Arrays.copyOf(logits, Math.min(64, logits.length));
        }
    }

    /** Parameters that compute after replacing a block of {@code length} layers. */
    static long parameters(LlamaConfig config, int length, Replacement replacement) {
        return config.withNumLayers(config.numLayers() - length).parameterCount() + replacement.parameters(config);
    }

    /** The block length: {@code layers}, or the shortest block whose replacement keeps at most {@code params}. */
    static int blockLength(LlamaConfig config, Integer layers, Double params, Replacement replacement) {
        int n = config.numLayers();
        if ((layers == null) == (params == null)) {
            throw new StrataException("give exactly one of --layers and --target-params");
        }
        if (layers != null) {
            if (layers < 1 || layers >= n) {
                throw new StrataException("--layers " + layers + " must lie in 1.." + (n - 1) + " (the model has " + n
                        + " layers, and at least one must stay)");
            }
            return layers;
        }
        if (!(params > 0 && params < 1)) {
            throw new StrataException("--target-params " + params + " must lie strictly between 0 and 1 (the share of "
                    + "parameters to keep)");
        }
        for (int length = 1; length < n; length++) {
            if (parameters(config, length, replacement) <= params * config.parameterCount()) {
                return length;
            }
        }
        throw new StrataException("--target-params " + params + " cannot be met with the replacement "
                + replacement.id() + ": replacing " + (n - 1) + " of " + n + " layers keeps " + String.format("%.3f",
                        (double) parameters(config, n - 1, replacement) / config.parameterCount()) + " of the parameters");
    }
}
