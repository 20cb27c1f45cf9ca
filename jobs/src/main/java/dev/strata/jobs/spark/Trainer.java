package dev.strata.jobs.spark;

import ai.djl.ndarray.NDManager;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.ModelFiles;
import dev.strata.jobs.io.WindowFiles;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.forward.DecoderLayer;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.Tensor;
import dev.strata.pipeline.surgery.LayerAssembly;
import dev.strata.pipeline.surgery.LayerWeights;
import dev.strata.pipeline.train.Trained;
import dev.strata.pipeline.train.TrainingLosses;
import dev.strata.pipeline.train.TrainingTask;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * Training as Spark tasks: every {@link TrainingTask} runs in a task of its own (on a GPU executor, one GPU), with the
 * teacher and the student loaded once per executor and the training windows streamed from Parquet epoch after epoch.
 * A task writes the layers it trained as one safetensors file; the driver puts them into the student.
 *
 * <p>Data-parallel training of one task over several Spark tasks is not built: averaging gradients through the
 * driver would move a layer's weights to every task and its gradients back at every step, about 1.6 GB per task per
 * step for a Llama-2-7B layer; it wants an all-reduce (torch.distributed), which DJL does not offer.
 */
final class Trainer {
    /** What a task sends back: its losses, and the trained model's logits on the probe tokens (one task only). */
    record TaskResult(int task, TrainingLosses losses, float[] probe) implements Serializable {
    }

    private Trainer() {
    }

    /** Tokens a trained model is probed on: its logits there are recorded, to check an exported folder by. */
    static long[] probeTokens(int vocab) {
        return LongStream.range(0, 32).map(i -> (7 * i + 1) % vocab).toArray();
    }

    /**
     * Runs every task against {@code teacher} and {@code student}; task k writes its layers to
     * {@code tensorsDir}/task-k.safetensors.
     */
    static List<TaskResult> run(SparkSession spark, String teacher, String student, List<TrainingTask> tasks,
            WindowFiles files, long windows, String tensorsDir) {
        List<Integer> indices = IntStream.range(0, tasks.size()).boxed().toList();
        boolean probe = tasks.size() == 1;
        return JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(indices, indices.size()).map(k -> {
            TaskResources.useTaskThreads();
            TrainingTask task = tasks.get(k);
            Configuration conf = HadoopFiles.configuration();
            Supplier<Iterator<TokenWindow>> epoch = () -> files.stream(0, windows, Scoring.READ_CHUNK, conf);
            try (ModelCache.Lease t = ModelCache.acquire(teacher, TaskResources.device());
                    ModelCache.Lease s = ModelCache.acquire(student, TaskResources.device());
                    Trained trained = task.train(t.model(), s.model(), epoch, task.settings().steps(windows))) {
                List<DecoderLayer> layers = new ArrayList<>(s.model().layers());
                trained.layers().forEach(layers::set);
                LlamaModel model = s.model().withLayers(layers);
                Checkpoint checkpoint = model.toCheckpoint();
                List<Tensor> tensors = new ArrayList<>();
                trained.layers().keySet().stream().sorted()
                        .forEach(i -> tensors.addAll(LayerWeights.of(checkpoint, i).tensors().values()));
                ModelFiles.writeTensors(tensors, new Path(tensorsDir, file(k)), conf);
                return new TaskResult(k, trained.losses(), probe ? probe(model) : null);
            }
        }).collect();
    }

    /**
     * The student with the layers the tasks wrote into {@code tensorsDir}: a view whose other layers are read from
     * the student's files when written.
     */
    static ModelWeights assemble(ModelWeights student, Path tensorsDir, int tasks, Configuration conf) {
        int n = student.config().numLayers();
        List<LayerAssembly.Layer> layers = new ArrayList<>(LayerAssembly.keeping(student,
                IntStream.range(0, n).boxed().toList()).layers());
        for (int k = 0; k < tasks; k++) {
            Map<String, Tensor> read = ModelFiles.readTensors(new Path(tensorsDir, file(k)), conf);
            for (int i = 0; i < n; i++) {
                if (read.containsKey(LayerTensor.INPUT_NORM.name(i))) {
                    Map<LayerTensor, Tensor> byKind = new EnumMap<>(LayerTensor.class);
                    for (LayerTensor t : LayerTensor.of(student.config())) {
                        byKind.put(t, read.get(t.name(i)));
                    }
                    layers.set(i, new LayerAssembly.Made(new LayerWeights(byKind)));
                }
            }
        }
        return new LayerAssembly(student, layers);
    }

    private static String file(int task) {
        return String.format("task-%03d.safetensors", task);
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
}
