package dev.strata.jobs.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.jobs.io.RunFolder;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.bench.NoisyCopy;
import dev.strata.pipeline.compress.RunParams;
import dev.strata.pipeline.forward.Devices;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.tailor.GenotypeJson;
import dev.strata.pipeline.tailor.Tailor;
import dev.strata.pipeline.tailor.TrialTask;
import dev.strata.pipeline.util.AtomicDirectory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

/**
 * Measures GPTailor's search in one run: the same search (every trial at one budget, so that rounds cost alike) in a
 * fresh folder on local[1] and on local[2], its trials per minute on each, and how a trial's time splits between
 * assembling the candidate and evaluating it. The search's time is the method's wall time less the stages that are
 * not the search (calibration windows, scores, the export) and less the first round, which loads what the JVM keeps
 * for the second master's run. Beside them, the machine's ceiling: the same trials run
 * directly on one and on two threads of this JVM, without Spark.
 */
public final class SearchBenchmark {
    private static final Logger LOG = LogManager.getLogger(SearchBenchmark.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private SearchBenchmark() {
    }

    /** What to search: the base, its variants (empty: two noisy copies of the base), the trials and their budget. */
    public record Options(String model, List<String> variants, String data, List<String> tasks, int trials,
            int roundSize, int budget, String sampler, String dataDir) {
    }

    /** One master's search. */
    public record Run(String master, int trials, double searchSeconds, double assemblySeconds,
            double evaluationSeconds) {
        public double trialsPerMinute() {
            return trials / searchSeconds * 60;
        }

        /** The share of a trial's time spent assembling its candidate. */
        public double assemblyShare() {
            return assemblySeconds / (assemblySeconds + evaluationSeconds);
        }
    }

    /**
     * @param oneThread trials per minute of the local[1] search's trials run on one thread, without Spark
     * @param twoThreads the same on two threads
     */
    public record Result(Run local1, Run local2, double oneThread, double twoThreads) {
        public double speedup() {
            return local2.trialsPerMinute() / local1.trialsPerMinute();
        }

        /** What two threads gain on this machine without Spark: the most local[2] can gain. */
        public double ceiling() {
            return twoThreads / oneThread;
        }
    }

    public static Result run(Options o) {
        Path scratch;
        try {
            scratch = Files.createTempDirectory("strata-bench-search-");
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        try {
            List<String> variants = o.variants().isEmpty() ? noisyCopies(o.model(), scratch) : o.variants();
            Run local1 = search("local[1]", o, variants, scratch);
            Run local2 = search("local[2]", o, variants, scratch);
            List<TrialTask> trials = trialsOf(scratch.resolve(folderName("local[1]")), o, variants);
            return new Result(local1, local2, direct(trials, 1), direct(trials, 2));
        } finally {
            AtomicDirectory.deleteQuietly(scratch);
        }
    }

    private static List<String> noisyCopies(String model, Path scratch) {
        var base = ModelFolder.read(Path.of(dev.strata.jobs.io.HadoopFiles.path(model).toUri()));
        List<String> out = new ArrayList<>();
        for (int seed = 0; seed < 2; seed++) {
            Path folder = scratch.resolve("variant-" + seed);
            ModelFolder.write(NoisyCopy.of(base, seed, 0.02f), folder);
            out.add(folder.toString());
        }
        return out;
    }

    private static Run search(String master, Options o, List<String> variants, Path scratch) {
        Map<String, String> runFlags = new LinkedHashMap<>();
        runFlags.put(RunParams.MODEL.flag(), o.model());
        runFlags.put(RunParams.DATA.flag(), o.data());
        runFlags.put(RunParams.SEQ_LEN.flag(), "128");
        runFlags.put(RunParams.SAMPLES.flag(), "16");
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put(Tailor.LAYERS.flag(), "1");
        flags.put(Tailor.VARIANTS.flag(), String.join(",", variants));
        flags.put(Tailor.TASKS.flag(), String.join(",", o.tasks()));
        flags.put(Tailor.TRIALS.flag(), Integer.toString(o.trials()));
        flags.put(Tailor.BATCH.flag(), Integer.toString(o.roundSize()));
        flags.put(Tailor.OPTIMISER.flag(), "random");
        flags.put(Tailor.SAMPLER.flag(), o.sampler());
        flags.put(Tailor.MAX_BUDGET.flag(), Integer.toString(o.budget()));
        flags.put(Tailor.MIN_BUDGET.flag(), Integer.toString(o.budget()));
        flags.put(Tailor.REFERENCES.flag(), "false");
        flags.put(Tailor.DATA_DIR.flag(), o.dataDir());
        Tailor tailor = new Tailor();
        Settings settings = Settings.fromFlags(tailor.params(), flags);
        String out = scratch.resolve(folderName(master)).toString();
        SparkSession session = Sessions.start(master, "bench search");
        try (RunDriver driver = RunDriver.open(Settings.fromFlags(RunParams.PARAMS, runFlags), out, () -> session)) {
            long start = System.nanoTime();
            driver.compress(tailor, settings);
            double wall = (System.nanoTime() - start) / 1e9;
            Run run = measured(master, driver.folder(), wall);
            LOG.info("bench search: Spark {}: {} trials in {} s of search", master, run.trials(),
                    String.format(Locale.ROOT, "%.1f", run.searchSeconds()));
            return run;
        } finally {
            session.stop();
        }
    }

    /** The search's share of the method's wall time, and the assembly and evaluation seconds its trials recorded. */
    private static Run measured(String master, RunFolder folder, double wall) {
        JsonNode stages;
        try {
            stages = JSON.readTree(folder.readText(folder.path(RunFolder.RUN_FILE))).path("stages");
        } catch (IOException ex) {
            throw new StrataException("bench search: cannot read the run's record: " + ex.getMessage(), ex);
        }
        double other = 0;
        double assembly = 0;
        double evaluation = 0;
        int trials = 0;
        for (Map.Entry<String, JsonNode> stage : (Iterable<Map.Entry<String, JsonNode>>) stages::fields) {
            // the first round also loads the models and reads the task data, which the second master's run finds
            // done (the JVM keeps them): it is left out of both
            boolean firstRound = stage.getKey().equals(RunLayout.step("tailor/round-0000"));
            if (!firstRound && stage.getKey().startsWith(RunLayout.step("tailor/round-"))) {
                for (JsonNode t : stage.getValue().path("trials")) {
                    assembly += t.path("assembly_seconds").asDouble();
                    evaluation += t.path("evaluation_seconds").asDouble();
                    trials++;
                }
            } else {
                other += stage.getValue().path("seconds").asDouble();
            }
        }
        return new Run(master, trials, wall - other, assembly / trials, evaluation / trials);
    }

    private static String folderName(String master) {
        return "search-" + master.replaceAll("[^0-9a-z]", "");
    }

    /** The trials a search folder recorded, as tasks to run again. */
    private static List<TrialTask> trialsOf(Path folder, Options o, List<String> variants) {
        List<TrialTask> out = new ArrayList<>();
        try {
            JsonNode stages = JSON.readTree(folder.resolve(RunFolder.RUN_FILE).toFile()).path("stages");
            for (Map.Entry<String, JsonNode> stage : (Iterable<Map.Entry<String, JsonNode>>) stages::fields) {
                for (JsonNode t : stage.getValue().path("trials")) {
                    out.add(new TrialTask(o.model(), variants, Tailor.MERGE.fallback(), GenotypeJson.read(
                            t.get("genotype"), variants.size()), t.get("budget").asInt(), o.tasks(), o.dataDir(),
                            Tailor.HALF.fallback(), Tailor.BATCH_TOKENS, 0, 1));
                }
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out;
    }

    /** Trials per minute of {@code trials} run on {@code threads} threads of this JVM (one PyTorch thread each). */
    private static double direct(List<TrialTask> trials, int threads) {
        List<LlamaModel> models = new ArrayList<>();
        List<Path> folders = new ArrayList<>();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(() -> {
                Devices.setThreadsOfThisThread(1);
                r.run();
            }, "bench-search");
            t.setDaemon(true);
            return t;
        });
        try {
            for (String address : trials.get(0).models()) {
                Path folder = Path.of(dev.strata.jobs.io.HadoopFiles.path(address).toUri());
                folders.add(folder);
                models.add(LlamaModel.load(folder, ai.djl.Device.cpu()));
            }
            trials.get(0).run(models, folders); // the evaluator's shared work (task data, base rows) done before timing
            long start = System.nanoTime();
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (TrialTask t : trials) {
                done.add(pool.submit(() -> t.run(models, folders)));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get();
            }
            double perMinute = trials.size() / ((System.nanoTime() - start) / 1e9) * 60;
            LOG.info("bench search: {} trials on {} thread(s) without Spark: {} a minute", trials.size(), threads,
                    String.format(Locale.ROOT, "%.1f", perMinute));
            return perMinute;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new StrataException("bench search: interrupted");
        } catch (java.util.concurrent.ExecutionException ex) {
            throw ex.getCause() instanceof RuntimeException r ? r : new IllegalStateException(ex.getCause());
        } finally {
            pool.shutdownNow();
            models.forEach(LlamaModel::close);
        }
    }
}
