package dev.strata.jobs.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.ModelFiles;
import dev.strata.jobs.io.RunFolder;
import dev.strata.jobs.io.WindowFiles;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.MergePlan;
import dev.strata.pipeline.forward.DecoderLayer;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.model.Tensor;
import dev.strata.pipeline.surgery.LayerSurgery;
import dev.strata.pipeline.surgery.LayerWeights;
import dev.strata.pipeline.train.LayerDistillation;
import dev.strata.pipeline.train.ModelDistillation;
import dev.strata.pipeline.train.TrainSettings;
import dev.strata.pipeline.train.TrainedLayer;
import dev.strata.pipeline.train.TrainableLayers;
import dev.strata.pipeline.util.Require;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * CoMe's hierarchical distillation. Stage 1 ("distill-layers"): one Spark task per merged student layer, in
 * parallel; each trains its layer to map the teacher's hidden state at the start of its group to the one at its
 * end, and writes the layer's tensors; the driver assembles OUT/models/stage1. Stage 2 ("distill-model"): one task
 * trains every layer of the assembled student end to end (logit KL plus boundary hidden-state MSE) and the driver
 * writes OUT/models/final. Training windows come from the calibration text (OUT/data/windows) and are streamed from
 * Parquet by every task, epoch after epoch.
 */
public final class DistillJob {
    public static final String KIND = "distill";
    public static final String LAYERS_STAGE = "distill-layers";
    public static final String MODEL_STAGE = "distill-model";
    public static final String STAGE1_MODEL = "models/stage1";
    public static final String FINAL_MODEL = "models/final";
    private static final String LAYER_FILES = "distill/layers";
    private static final Logger LOG = LogManager.getLogger(DistillJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param layers stage-1 training; @param model stage-2 training, or null to skip stage 2
     * @param klWeight weight of the logit KL in stage 2, {@code hiddenWeight} of the boundary MSE
     */
    public record Options(String teacher, String student, String plan, String data, String out, Integer seqLen,
            Integer samples, long seed, TrainSettings layers, TrainSettings model, double klWeight, double hiddenWeight) {
    }

    /** @param model the distilled model's folder; losses per stage as recorded in run.json */
    public record Result(Path out, Path model, ObjectNode layerLosses, ObjectNode modelLosses) {
    }

    /** The losses of one training task. */
    record Losses(int layer, double first, double last, double lastEpoch, int steps) implements Serializable {
    }

    private DistillJob() {
    }

    public static Result run(Options given, Supplier<SparkSession> spark) {
        String teacher = HadoopFiles.path(given.teacher()).toString();
        String student = HadoopFiles.path(given.student()).toString();
        String data = HadoopFiles.path(given.data()).toString();
        Require.positive("--samples", given.samples());
        Configuration conf = HadoopFiles.configuration();
        LlamaConfig teacherConfig = ModelFolder.readConfig(ModelFiles.localMetadata(HadoopFiles.path(teacher), conf));
        LlamaConfig studentConfig = ModelFolder.readConfig(ModelFiles.localMetadata(HadoopFiles.path(student), conf));
        Path planFile = HadoopFiles.path(given.plan());
        MergePlan plan = MergePlan.parse(HadoopFiles.readText(planFile, conf, " (--plan)"), HadoopFiles.display(planFile));
        checkPlan(plan, teacherConfig, studentConfig, given);
        int seqLen = CalibrationWindows.seqLen(given.seqLen(), teacherConfig, given.teacher());
        CalibrationWindows windowSpec = new CalibrationWindows(data, given.data(), seqLen, given.samples(), given.seed());
        ObjectNode inputs = JSON.createObjectNode();
        inputs.put("teacher", teacher);
        inputs.put("student", student);
        inputs.put("plan", plan.toJson());
        windowSpec.describe(inputs);
        inputs.set("layers", JSON.valueToTree(given.layers()));
        inputs.set("model", given.model() == null ? null : JSON.valueToTree(given.model()));
        inputs.put("kl_weight", given.klWeight());
        inputs.put("hidden_weight", given.hiddenWeight());
        RunFolder run = RunFolder.open(given.out(), "--out", KIND, inputs);
        long windows = windowSpec.ensure(run, ModelFiles.localMetadata(HadoopFiles.path(teacher), conf), teacherConfig, spark);
        WindowFiles files = WindowFiles.of(run.path(CalibrationWindows.PATH), conf);

        if (!run.isDone(LAYERS_STAGE)) {
            distillLayers(run, spark.get(), teacher, student, plan, files, windows, given.layers());
        } else {
            LOG.info("distill layers: reusing {}", run.path(STAGE1_MODEL));
        }
        String stage1 = run.path(STAGE1_MODEL).toString();
        if (given.model() == null) {
            return new Result(run.root(), run.path(STAGE1_MODEL), (ObjectNode) run.stage(LAYERS_STAGE), null);
        }
        if (!run.isDone(MODEL_STAGE)) {
            distillModel(run, spark.get(), teacher, stage1, plan, files, windows, given);
        } else {
            LOG.info("distill model: reusing {}", run.path(FINAL_MODEL));
        }
        return new Result(run.root(), run.path(FINAL_MODEL), (ObjectNode) run.stage(LAYERS_STAGE),
                (ObjectNode) run.stage(MODEL_STAGE));
    }

    private static void checkPlan(MergePlan plan, LlamaConfig teacher, LlamaConfig student, Options o) {
        if (plan.originalLayers() != teacher.numLayers()) {
            throw new StrataException("--plan " + o.plan() + ": describes a teacher of " + plan.originalLayers()
                    + " layers, but " + o.teacher() + " has " + teacher.numLayers());
        }
        if (plan.layers().size() != student.numLayers()) {
            throw new StrataException("--plan " + o.plan() + ": describes a student of " + plan.layers().size()
                    + " layers, but " + o.student() + " has " + student.numLayers());
        }
        if (!teacher.withNumLayers(student.numLayers()).toJson().equals(student.toJson())) {
            throw new StrataException("--student " + o.student() + ": differs from the teacher in more than its number of "
                    + "layers (hidden size, heads, vocabulary ...)");
        }
    }

    /** Stage 1: one task per merged layer; the driver assembles the student with the trained layers. */
    private static void distillLayers(RunFolder run, SparkSession spark, String teacher, String student, MergePlan plan,
            WindowFiles files, long windows, TrainSettings settings) {
        long start = System.nanoTime();
        List<Integer> merged = IntStream.range(0, plan.layers().size()).filter(i -> plan.layers().get(i).isMerged())
                .boxed().toList();
        int[][] groups = plan.layers().stream().map(l -> new int[0]).toArray(int[][]::new);
        for (int i = 0; i < groups.length; i++) {
            groups[i] = plan.group(i);
        }
        int steps = settings.steps(windows);
        Path staging = run.staging(LAYER_FILES);
        String stagingPath = staging.toString();
        LOG.info("distill layers: {} merged layer(s) {}, one task each, {} steps of {} windows", merged.size(), merged,
                steps, settings.batch());
        List<Losses> losses = merged.isEmpty() ? List.of()
                : JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(merged, merged.size()).map(i -> {
                    TaskResources.useTaskThreads();
                    Configuration conf = HadoopFiles.configuration();
                    try (ModelCache.Lease t = ModelCache.acquire(teacher, TaskResources.device());
                            ModelCache.Lease s = ModelCache.acquire(student, TaskResources.device());
                            TrainedLayer r = LayerDistillation.train(t.model(), s.model().layers().get(i),
                                    TrainableLayers.Part.WHOLE_LAYER,
                                    groups[i][0], groups[i][1], () -> files.stream(0, windows, CalibrateJob.READ_CHUNK, conf),
                                    settings, steps, "distill layer " + i + " (teacher " + groups[i][0] + ".." + (groups[i][1] - 1) + ")")) {
                        List<DecoderLayer> layers = new ArrayList<>(s.model().layers());
                        layers.set(i, r.layer());
                        LayerWeights w = LayerWeights.of(s.model().withLayers(layers).toCheckpoint(), i);
                        ModelFiles.writeTensors(w.tensors().values(), new Path(stagingPath, layerFile(i)), conf);
                        return new Losses(i, r.firstLoss(), r.lastLoss(), r.lastEpochLoss(), r.steps());
                    }
                }).collect();
        run.commit(staging, LAYER_FILES);

        Checkpoint base = ModelFolder.read(ModelFiles.local(HadoopFiles.path(student), run.configuration()));
        List<LayerWeights> layers = new ArrayList<>(LayerSurgery.layers(base));
        for (int i : merged) {
            Map<String, Tensor> read = ModelFiles.readTensors(run.path(LAYER_FILES + "/" + layerFile(i)), run.configuration());
            Map<LayerTensor, Tensor> byKind = new EnumMap<>(LayerTensor.class);
            for (LayerTensor t : LayerTensor.values()) {
                byKind.put(t, read.get(t.name(i)));
            }
            layers.set(i, new LayerWeights(byKind));
        }
        Path model = run.staging(STAGE1_MODEL);
        ModelFiles.write(LayerSurgery.withLayers(base, layers), Map.of(MergePlan.FILE, plan.toJson()), model,
                run.configuration());
        run.commit(model, STAGE1_MODEL);
        ObjectNode info = JSON.createObjectNode();
        ArrayNode rows = info.putArray("layers");
        for (Losses l : losses) {
            rows.add(lossesJson(l));
            LOG.info("distill layer {}: MSE {} -> {} over {} steps (last epoch mean {})", l.layer(),
                    String.format("%.5f", l.first()), String.format("%.5f", l.last()), l.steps(),
                    String.format("%.5f", l.lastEpoch()));
        }
        info.put("seconds", (System.nanoTime() - start) / 1e9);
        run.markDone(LAYERS_STAGE, info);
    }

    /** Stage 2: one task trains the assembled student end to end; the driver writes the final model. */
    private static void distillModel(RunFolder run, SparkSession spark, String teacher, String stage1, MergePlan plan,
            WindowFiles files, long windows, Options o) {
        long start = System.nanoTime();
        int[] groupEnds = IntStream.range(0, plan.layers().size()).map(i -> plan.group(i)[1]).toArray();
        TrainSettings settings = o.model();
        int steps = settings.steps(windows);
        Path staging = run.staging(FINAL_MODEL);
        String stagingPath = staging.toString();
        String planJson = plan.toJson();
        double klWeight = o.klWeight();
        double hiddenWeight = o.hiddenWeight();
        LOG.info("distill model: {} layers end to end, {} steps of {} windows", groupEnds.length, steps, settings.batch());
        Losses losses = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(0), 1).map(x -> {
            TaskResources.useTaskThreads();
            Configuration conf = HadoopFiles.configuration();
            try (ModelCache.Lease t = ModelCache.acquire(teacher, TaskResources.device());
                    ModelCache.Lease s = ModelCache.acquire(stage1, TaskResources.device());
                    ModelDistillation.Result r = ModelDistillation.train(t.model(), s.model(), groupEnds, klWeight,
                            hiddenWeight, () -> files.stream(0, windows, CalibrateJob.READ_CHUNK, conf), settings, steps,
                            "distill model")) {
                Checkpoint trained = s.model().withLayers(r.layers()).toCheckpoint();
                ModelFiles.write(trained, Map.of(MergePlan.FILE, planJson), new Path(stagingPath), conf);
                return new Losses(-1, r.firstLoss(), r.lastLoss(), r.lastEpochLoss(), r.steps());
            }
        }).collect().get(0);
        run.commit(staging, FINAL_MODEL);
        ObjectNode info = lossesJson(losses);
        info.remove("layer");
        info.put("seconds", (System.nanoTime() - start) / 1e9);
        run.markDone(MODEL_STAGE, info);
        LOG.info("distill model: loss {} -> {} over {} steps (last epoch mean {})", String.format("%.5f", losses.first()),
                String.format("%.5f", losses.last()), losses.steps(), String.format("%.5f", losses.lastEpoch()));
    }

    private static ObjectNode lossesJson(Losses l) {
        ObjectNode row = JSON.createObjectNode();
        row.put("layer", l.layer());
        row.put("first_loss", l.first());
        row.put("last_loss", l.last());
        row.put("last_epoch_loss", l.lastEpoch());
        row.put("steps", l.steps());
        return row;
    }

    private static String layerFile(int layer) {
        return String.format("layer-%03d.safetensors", layer);
    }

}
