package dev.strata.jobs.spark;

import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.eval.TaskScorer;
import dev.strata.pipeline.eval.task.ChoiceTask;
import dev.strata.pipeline.eval.task.ChoiceTask.Example;
import dev.strata.pipeline.eval.task.Task;
import dev.strata.pipeline.eval.task.Tasks;
import dev.strata.pipeline.forward.Devices;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.tokenize.Tokenizer;
import dev.strata.pipeline.util.AtomicDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

/**
 * Measures evaluation in one run: examples/s of scoring alone on one thread, with each example's options sharing
 * their context and with one row per option (the work context sharing saves), and of the eval job on local[1]
 * and local[2] (one PyTorch thread per task), each the best of three runs.
 */
public final class EvalBenchmark {
    private static final Logger LOG = LogManager.getLogger(EvalBenchmark.class);
    private static final int RUNS = 3;

    private EvalBenchmark() {
    }

    /**
     * @param sharedTokens tokens fed through the model with shared contexts, per run
     * @param perOptionTokens tokens fed with one row per option, per run
     */
    public record Result(String task, int examples, long sharedTokens, long perOptionTokens, double sharedPerSecond,
            double perOptionPerSecond, double local1PerSecond, double local2PerSecond) {
        public double sharingGain() {
            return sharedPerSecond / perOptionPerSecond;
        }

        public double local2OverLocal1() {
            return local2PerSecond / local1PerSecond;
        }
    }

    public static Result run(String model, String taskName, int limit, String dataDir, int batchTokens) {
        Task task = Tasks.parse(taskName).get(0);
        if (!(task instanceof ChoiceTask choice)) {
            throw new dev.strata.pipeline.StrataException("--task " + taskName + " is a text task; bench eval takes a "
                    + "multiple-choice task");
        }
        Path data = Path.of(dataDir).toAbsolutePath().normalize();
        List<Example> all = choice.read(data);
        List<Example> examples = all.subList(0, Math.min(limit, all.size()));
        List<Example> perOption = new ArrayList<>();
        for (Example e : examples) {
            for (int o = 0; o < e.options().size(); o++) {
                perOption.add(new Example(perOption.size(), List.of(e.options().get(o)), 0));
            }
        }
        Path modelDir = Path.of(dev.strata.jobs.io.HadoopFiles.path(model).toUri());
        Alone shared = alone(modelDir, choice, examples, batchTokens, examples.size());
        Alone unshared = alone(modelDir, choice, perOption, batchTokens, examples.size());
        double local1 = spark("local[1]", model, taskName, examples.size(), dataDir, batchTokens);
        double local2 = spark("local[2]", model, taskName, examples.size(), dataDir, batchTokens);
        return new Result(taskName, examples.size(), shared.tokens(), unshared.tokens(), shared.perSecond(),
                unshared.perSecond(), local1, local2);
    }

    private record Alone(double perSecond, long tokens) {
    }

    /** Examples/s of TaskScorer on one thread (best of three) and the tokens one run feeds the model. */
    private static Alone alone(Path modelDir, ChoiceTask task, List<Example> items, int batchTokens, int examples) {
        AtomicReference<Alone> best = new AtomicReference<>(new Alone(0, 0));
        Thread worker = new Thread(() -> {
            Devices.setThreadsOfThisThread(1);
            try (LlamaModel m = LlamaModel.load(modelDir, ai.djl.Device.cpu());
                    Tokenizer tokenizer = Tokenizer.load(modelDir, m.config())) {
                for (int run = 0; run < RUNS; run++) {
                    TaskScorer scorer = new TaskScorer(m, tokenizer, batchTokens);
                    long start = System.nanoTime();
                    scorer.score(task, items);
                    double rate = examples / ((System.nanoTime() - start) / 1e9);
                    best.set(new Alone(Math.max(best.get().perSecond(), rate), scorer.fedTokens()));
                }
            }
        }, "bench-eval");
        worker.start();
        try {
            worker.join();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        LOG.info("bench eval: scoring alone, {} rows: {} examples/s, {} tokens fed", items.size(),
                String.format("%.1f", best.get().perSecond()), best.get().tokens());
        return best.get();
    }

    /** Examples/s of the whole eval job (read, score, write Parquet, report), best of three. */
    private static double spark(String master, String model, String task, int limit, String dataDir, int batchTokens) {
        SparkSession session = Sessions.start(master, "bench");
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("strata-bench-eval-");
            double best = 0;
            for (int run = 0; run < RUNS; run++) {
                long start = System.nanoTime();
                EvalJob.run(new EvalJob.Options(List.of(model), null, null, task, limit, DataHalf.ALL, dataDir, scratch.resolve("run" + run).toString(),
                        batchTokens, TaskScorer.GROUP * 2, null), () -> session);
                best = Math.max(best, limit / ((System.nanoTime() - start) / 1e9));
            }
            LOG.info("bench eval: Spark {}: {} examples/s", master, String.format("%.1f", best));
            return best;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } finally {
            session.stop();
            if (scratch != null) {
                AtomicDirectory.deleteQuietly(scratch);
            }
        }
    }
}
