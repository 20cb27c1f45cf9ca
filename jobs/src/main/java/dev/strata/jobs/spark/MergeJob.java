package dev.strata.jobs.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.ModelFiles;
import dev.strata.jobs.io.RunFolder;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.ComeMerger;
import dev.strata.pipeline.compress.MergePlan;
import dev.strata.pipeline.compress.MergeStep;
import dev.strata.pipeline.compress.PairMetric;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

/**
 * CoMe's progressive merging as a driver loop over distributed calibration passes. Every step rescores the current
 * model on the run's windows (a Spark job), writes those scores under OUT/scores/step-NNN (the step column says
 * which model they describe), merges the chosen adjacent pair on the driver and writes the smaller model to
 * OUT/models/step-NNN with its merge_plan.json; OUT/merge_plan.json always describes the latest model. Each step is
 * a checkpoint: a rerun resumes after the last finished step and ends with the same model.
 */
public final class MergeJob {
    public static final String KIND = "merge-come";
    private static final Logger LOG = LogManager.getLogger(MergeJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param targetLayers layers of the result, or null when {@code targetParams} is given
     * @param targetParams the largest share of the original parameter count the result may keep, or null
     * @param pplWindows evaluation windows of the PPL-drop pass (pair metric ppl-drop), null for all
     */
    public record Options(String model, String data, String out, Integer seqLen, Integer samples, long seed, int batch,
            Integer partitions, Integer targetLayers, Double targetParams, PairMetric pairMetric, boolean noRemerge,
            Integer pplWindows) {
    }

    /** @param model the merged model's folder; @param stepsReused steps found finished by an earlier attempt */
    public record Result(Path out, Path model, MergePlan plan, int stepsReused) {
    }

    private MergeJob() {
    }

    /** The folder of the model after {@code step} merges (step 0: the original). */
    public static String modelPath(int step) {
        return String.format("models/step-%03d", step);
    }

    /** The folder of the scores of the model after {@code step} merges. */
    public static String scoresPath(int step) {
        return String.format("scores/step-%03d", step);
    }

    private static String stage(int step) {
        return String.format("merge-step-%03d", step);
    }

    /** Runs (or resumes) the merge; {@code spark} is started only once the inputs are checked. */
    public static Result run(Options given, Supplier<SparkSession> spark) {
        CalibrationInputs in = CalibrationInputs.check(given.model(), given.data(), given.seqLen(), given.samples(),
                given.seed(), given.batch(), given.partitions(), given.pplWindows());
        String model = in.model();
        LlamaConfig config = in.config();
        int target = targetLayers(config, given.targetLayers(), given.targetParams());
        int seqLen = in.windows().seqLen();
        ObjectNode inputs = in.identity();
        inputs.put("target_layers", target);
        inputs.put("pair_metric", given.pairMetric().id());
        inputs.put("no_remerge", given.noRemerge());
        if (given.pairMetric().needsPplDrop() && given.pplWindows() != null) {
            inputs.put("ppl_windows", given.pplWindows());
        }
        RunFolder run = RunFolder.open(given.out(), "--out", KIND, inputs);
        long windows = in.windows().ensure(run, in.metadata(), config, spark);

        ComeMerger come = new ComeMerger(given.pairMetric(), given.noRemerge());
        int steps = config.numLayers() - target;
        MergePlan plan = MergePlan.identity(config);
        String current = model;
        int reused = 0;
        for (int step = 1; step <= steps; step++) {
            Path next = run.path(modelPath(step));
            if (run.isDone(stage(step))) {
                reused++;
                current = next.toString();
                LOG.info("merge step {}/{}: reusing {}", step, steps, next);
                continue;
            }
            if (step > 1) {
                plan = readPlan(run, run.path(modelPath(step - 1) + "/" + MergePlan.FILE));
            }
            current = mergeStep(run, given, spark.get(), come, current, plan, step, steps, windows, seqLen);
        }
        MergePlan finalPlan = steps == 0 ? plan : readPlan(run, run.path(modelPath(steps) + "/" + MergePlan.FILE));
        run.writeText(run.path(MergePlan.FILE), finalPlan.toJson());
        return new Result(run.root(), HadoopFiles.path(current), finalPlan, reused);
    }

    /** One step: score {@code current}, merge a pair, write the model and the plan; returns the new model's folder. */
    private static String mergeStep(RunFolder run, Options o, SparkSession spark, ComeMerger come, String current,
            MergePlan plan, int step, int steps, long windows, int seqLen) {
        long start = System.nanoTime();
        int partitions = o.partitions() != null ? o.partitions() : spark.sparkContext().defaultParallelism();
        Configuration conf = run.configuration();
        Checkpoint model = ModelFolder.read(ModelFiles.local(HadoopFiles.path(current), conf));
        CalibrateJob.Scored scored = CalibrateJob.scoreRun(spark, current, model.config().numLayers(), run, windows,
                o.batch(), partitions, o.pairMetric().needsPplDrop(), o.pplWindows());
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("run_id", run.runId());
        header.put("model", current);
        header.put("step", step - 1);
        header.put("data", HadoopFiles.path(o.data()).toString());
        header.put("seq_len", seqLen);
        scored.describe(header);
        Path scores = run.staging(scoresPath(step - 1));
        CalibrateJob.writeTables(spark, run, scored.scores(), step - 1, current, model.config(), header, scores);
        run.commit(scores, scoresPath(step - 1));

        ComeMerger.Result merged = come.step(model, scored.scores(), plan);
        Path staged = run.staging(modelPath(step));
        ModelFiles.write(merged.model(), Map.of(MergePlan.FILE, merged.plan().toJson()), staged, conf);
        run.commit(staged, modelPath(step));
        run.writeText(run.path(MergePlan.FILE), merged.plan().toJson());
        MergeStep s = merged.step();
        ObjectNode info = JSON.createObjectNode();
        info.put("layers", merged.model().config().numLayers());
        info.put("pair", s.pair());
        info.put("pair_score", s.pairScore());
        info.put("ratio_a", s.ratioA());
        info.put("seconds", (System.nanoTime() - start) / 1e9);
        run.markDone(stage(step), info);
        LOG.info("merge step {}/{}: layers {} + {} (original {} + {}) by {} {}, r_a {}: {} -> {} layers in {} s", step,
                steps, s.pair(), s.pair() + 1, s.originalA(), s.originalB(), s.pairMetric(),
                String.format("%.4f", s.pairScore()), String.format("%.3f", s.ratioA()),
                model.config().numLayers(), merged.model().config().numLayers(),
                String.format("%.1f", (System.nanoTime() - start) / 1e9));
        return run.path(modelPath(step)).toString();
    }

    private static MergePlan readPlan(RunFolder run, Path file) {
        return MergePlan.parse(run.readText(file), HadoopFiles.display(file));
    }

    /** The layer count to merge down to: {@code layers}, or the most layers whose parameters fit {@code params}. */
    static int targetLayers(LlamaConfig config, Integer layers, Double params) {
        int n = config.numLayers();
        if ((layers == null) == (params == null)) {
            throw new StrataException("give exactly one of --target-layers and --target-params");
        }
        if (layers != null) {
            if (layers < 1 || layers >= n) {
                throw new StrataException("--target-layers " + layers + " must lie in 1.." + (n - 1) + " (the model has "
                        + n + " layers)");
            }
            return layers;
        }
        if (!(params > 0 && params < 1)) {
            throw new StrataException("--target-params " + params + " must lie strictly between 0 and 1 (the share of "
                    + "parameters to keep)");
        }
        double budget = params * config.parameterCount();
        for (int k = n - 1; k >= 1; k--) {
            if (config.withNumLayers(k).parameterCount() <= budget) {
                return k;
            }
        }
        throw new StrataException("--target-params " + params + " cannot be met: even one layer keeps "
                + String.format("%.3f", (double) config.withNumLayers(1).parameterCount() / config.parameterCount())
                + " of the parameters");
    }
}
