package dev.strata.jobs.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.ModelFiles;
import dev.strata.jobs.io.RunFolder;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.LayerRemoval;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

/**
 * One-shot layer removal by a layer score (ShortGPT: the lowest block influence; SLEB-style: the lowest PPL-drop):
 * the calibration job scores the model once (OUT/scores/step-000), the driver removes the lowest-scoring layers and
 * writes OUT/models/final with prune_plan.json.
 */
public final class PruneJob {
    public static final String KIND = "prune";
    public static final String STAGE = "prune";
    public static final String FINAL_MODEL = "models/final";
    public static final String PLAN = "prune_plan.json";
    private static final Logger LOG = LogManager.getLogger(PruneJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** @param layers how many layers to remove, or null when {@code targetParams} says */
    public record Options(String model, String data, String out, Integer seqLen, Integer samples, long seed, int batch,
            Integer partitions, LayerRemoval method, Integer layers, Double targetParams, Integer pplWindows) {
    }

    /** @param removed the original indices of the removed layers */
    public record Result(Path out, Path model, List<Integer> removed) {
    }

    private PruneJob() {
    }

    public static Result run(Options given, Supplier<SparkSession> spark) {
        CalibrationInputs in = CalibrationInputs.check(given.model(), given.data(), given.seqLen(), given.samples(),
                given.seed(), given.batch(), given.partitions(), given.pplWindows());
        String model = in.model();
        LlamaConfig config = in.config();
        int remove = removals(config, given.layers(), given.targetParams());
        int seqLen = in.windows().seqLen();
        ObjectNode inputs = in.identity();
        inputs.put("method", given.method().id());
        inputs.put("remove_layers", remove);
        RunFolder run = RunFolder.open(given.out(), "--out", KIND, inputs);
        long windows = in.windows().ensure(run, in.metadata(), config, spark);
        if (run.isDone(STAGE)) {
            LOG.info("prune: reusing {}", run.path(FINAL_MODEL));
        } else {
            prune(run, given, spark.get(), model, config, windows, seqLen, remove);
        }
        List<Integer> removed = JSON.convertValue(run.stage(STAGE).get("removed"),
                JSON.getTypeFactory().constructCollectionType(List.class, Integer.class));
        return new Result(run.root(), run.path(FINAL_MODEL), removed);
    }

    private static void prune(RunFolder run, Options o, SparkSession spark, String model, LlamaConfig config,
            long windows, int seqLen, int remove) {
        long start = System.nanoTime();
        int partitions = o.partitions() != null ? o.partitions() : spark.sparkContext().defaultParallelism();
        CalibrateJob.Scored scored = CalibrateJob.scoreOriginal(spark, run, model, config,
                HadoopFiles.path(o.data()).toString(), seqLen, windows, o.batch(), partitions, o.method().needsPplDrop(),
                o.pplWindows(), MergeJob.scoresPath(0));

        List<Integer> removed = o.method().choose(scored.scores(), config.numLayers(), remove);
        Checkpoint pruned = dev.strata.pipeline.surgery.LayerSurgery.remove(
                ModelFolder.read(ModelFiles.local(HadoopFiles.path(model), run.configuration())), removed);
        ObjectNode plan = JSON.createObjectNode();
        plan.put("method", o.method().id());
        plan.put("original_layers", config.numLayers());
        removed.forEach(plan.putArray("removed")::add);
        Path staged = run.staging(FINAL_MODEL);
        ModelFiles.write(pruned, Map.of(PLAN, plan.toPrettyString() + "\n"), staged, run.configuration());
        run.commit(staged, FINAL_MODEL);
        ObjectNode info = plan.deepCopy();
        info.put("seconds", (System.nanoTime() - start) / 1e9);
        run.markDone(STAGE, info);
        LOG.info("prune {}: removed layer(s) {}: {} -> {} layers in {}", o.method().id(), removed, config.numLayers(),
                pruned.config().numLayers(), run.path(FINAL_MODEL));
    }

    /** Layers to remove: {@code layers}, or the fewest that bring the parameters to {@code params} of the original. */
    static int removals(LlamaConfig config, Integer layers, Double params) {
        if (layers != null && params == null) {
            if (layers < 1 || layers >= config.numLayers()) {
                throw new StrataException("--layers " + layers + " must lie in 1.." + (config.numLayers() - 1)
                        + " (the model has " + config.numLayers() + " layers)");
            }
            return layers;
        }
        return config.numLayers() - MergeJob.targetLayers(config, null, params);
    }
}
