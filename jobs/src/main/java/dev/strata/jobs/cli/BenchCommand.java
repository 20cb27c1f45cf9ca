package dev.strata.jobs.cli;

import dev.strata.jobs.spark.CalibrateBenchmark;
import dev.strata.jobs.spark.EvalBenchmark;
import dev.strata.jobs.spark.RecipeRunner;
import dev.strata.jobs.spark.SearchBenchmark;
import dev.strata.jobs.spark.Sessions;
import dev.strata.pipeline.bench.ForwardBenchmark;
import dev.strata.pipeline.bench.MergeBenchmark;
import dev.strata.pipeline.bench.ModelShape;
import dev.strata.pipeline.forward.Devices;
import dev.strata.pipeline.recipe.Recipe;
import dev.strata.pipeline.util.AtomicDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** strata bench: benchmarks that print figures (not tests). */
@Command(name = "bench", description = "Benchmarks; each prints its figures as ratios measured in one run.",
        subcommands = {BenchCommand.Forward.class, BenchCommand.Calibrate.class, BenchCommand.Eval.class,
            BenchCommand.Merge.class, BenchCommand.Search.class, BenchCommand.Scale.class},
        mixinStandardHelpOptions = true)
final class BenchCommand {

    @Command(name = "forward", mixinStandardHelpOptions = true,
            description = "Forward pass on random weights of a real shape vs the machine's dense fp32 matmul rate (medians, same run).")
    static final class Forward implements Callable<Integer> {
        @Option(names = "--shape", defaultValue = "llama2-7b",
                description = "stories260k, tinyllama-1.1b or llama2-7b (default: ${DEFAULT-VALUE}).")
        String shape;

        @Option(names = "--layers", paramLabel = "K",
                description = "Decoder layers (default: all; 2 for llama2-7b, whose 32 layers do not fit in 24 GB).")
        Integer layers;

        @Option(names = "--seq", paramLabel = "N", defaultValue = "512", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
        int seq;

        @Option(names = "--batch", paramLabel = "B", defaultValue = "1", description = "Sequences per forward (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--iterations", paramLabel = "I", defaultValue = "5", description = "Timed forwards after one warm-up (default: ${DEFAULT-VALUE}).")
        int iterations;

        @Option(names = "--device", paramLabel = "cpu|gpu[:i]", description = "Default: GPU when DJL sees one, else CPU.")
        String device;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Override
        public Integer call() {
            ModelShape s = ModelShape.parse(shape);
            int k = layers != null ? layers : s.defaultBenchLayers();
            ForwardBenchmark.Result r = ForwardBenchmark.run(s, k, seq, batch, iterations, Devices.parse(device, "--device"));
            new Report()
                    .put("shape", r.shape())
                    .put("layers", r.layers())
                    .put("batch", r.batch())
                    .put("seq", r.seq())
                    .put("device", r.device())
                    .put("seconds_per_forward", r.secondsPerForward(), String.format("%.4f", r.secondsPerForward()))
                    .put("tokens_per_second", r.tokensPerSecond(), String.format("%,.0f", r.tokensPerSecond()))
                    .put("gflop_per_forward", r.flopsPerForward() / 1e9, String.format("%.2f", r.flopsPerForward() / 1e9))
                    .put("achieved_gflops", r.achievedGflops(), String.format("%.1f", r.achievedGflops()))
                    .put("matmul_gflops", r.matmulGflops(), String.format("%.1f (fp32 %d^3 GEMM, median of %d)",
                            r.matmulGflops(), ForwardBenchmark.MATMUL_SIZE, ForwardBenchmark.MATMUL_REPS))
                    .put("ratio", r.ratio(), String.format("%.1f%% of the matmul rate", 100 * r.ratio()))
                    .print(json);
            return 0;
        }
    }

    @Command(name = "calibrate", mixinStandardHelpOptions = true,
            description = {"The calibration job: forward pass alone vs Spark local[1] vs local[2] (tokens/s, ratios), "
                + "and its memory on the calibration windows and on ten times as many."})
    static final class Calibrate implements Callable<Integer> {
        @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face Llama folder.")
        String model;

        @Option(names = "--data", required = true, paramLabel = "PATH", description = "Calibration text (file, directory or glob).")
        String data;

        @Option(names = "--seq-len", paramLabel = "N", description = "Tokens per window (default: the model's context).")
        Integer seqLen;

        @Option(names = "--samples", paramLabel = "K", defaultValue = "128", description = "Windows (default: ${DEFAULT-VALUE}).")
        int samples;

        @Option(names = "--batch", paramLabel = "B", defaultValue = "8", description = "Windows per forward (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Override
        public Integer call() {
            CalibrateBenchmark.Result r = CalibrateBenchmark.run(model, data, seqLen, samples, batch, 1234);
            new Report()
                    .put("windows", r.windows())
                    .put("seq_len", r.seqLen())
                    .put("batch", r.batch())
                    .put("forward_tokens_per_second", r.forwardTokensPerSecond(),
                            String.format("%,.0f (one thread, no Spark)", r.forwardTokensPerSecond()))
                    .put("two_forwards_tokens_per_second", r.twoForwardsTokensPerSecond(),
                            String.format("%,.0f (two threads side by side, no Spark: %.2fx one, the machine's ceiling for local[2])",
                                    r.twoForwardsTokensPerSecond(), r.twoThreadsOverOne()))
                    .put("local1_tokens_per_second", r.local1TokensPerSecond(),
                            String.format("%,.0f (Spark local[1])", r.local1TokensPerSecond()))
                    .put("local2_tokens_per_second", r.local2TokensPerSecond(),
                            String.format("%,.0f (Spark local[2])", r.local2TokensPerSecond()))
                    .put("local2_over_local1", r.local2OverLocal1(), String.format("%.2fx", r.local2OverLocal1()))
                    .put("spark_overhead", r.sparkOverhead(),
                            String.format("%.1f%% over the forward alone (local[1])", 100 * r.sparkOverhead()))
                    .put("memory_1x", r.small(), memory(r.small()))
                    .put("memory_10x", r.large(), memory(r.large()))
                    .print(json);
            return 0;
        }

        private static String memory(CalibrateBenchmark.Memory m) {
            return String.format("%d windows: peak heap %.0f MB (garbage included), peak live heap %.0f MB, peak RSS %.0f MB",
                    m.windows(), m.peakHeapMb(), m.peakLiveHeapMb(), m.peakRssMb());
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true,
            description = {"Evaluation throughput: scoring with shared contexts vs one row per option (one thread), and "
                + "the eval job on local[1] vs local[2] (examples/s, ratios)."})
    static final class Eval implements Callable<Integer> {
        @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face Llama folder.")
        String model;

        @Option(names = "--task", paramLabel = "NAME", defaultValue = "hellaswag",
                description = "A multiple-choice task (default: ${DEFAULT-VALUE}).")
        String task;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "256", description = "Examples (default: ${DEFAULT-VALUE}).")
        int limit;

        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${sys:strata.data:-../shared/data}",
                description = "Task data folder (default: ${DEFAULT-VALUE}).")
        String dataDir;

        @Option(names = "--batch-tokens", paramLabel = "N", defaultValue = "2048",
                description = "Tokens per forward pass (default: ${DEFAULT-VALUE}).")
        int batchTokens;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Override
        public Integer call() {
            EvalBenchmark.Result r = EvalBenchmark.run(model, task, limit, dataDir, batchTokens);
            new Report()
                    .put("task", r.task())
                    .put("examples", r.examples())
                    .put("shared_context_tokens", r.sharedTokens(), String.format("%,d tokens fed (%.0f%% of one row per option: %,d)",
                            r.sharedTokens(), 100.0 * r.sharedTokens() / r.perOptionTokens(), r.perOptionTokens()))
                    .put("per_option_tokens", r.perOptionTokens())
                    .put("shared_context_examples_per_second", r.sharedPerSecond(),
                            String.format("%.1f (one thread, options share their context)", r.sharedPerSecond()))
                    .put("per_option_examples_per_second", r.perOptionPerSecond(),
                            String.format("%.1f (one thread, one row per option)", r.perOptionPerSecond()))
                    .put("sharing_gain", r.sharingGain(), String.format("%.2fx", r.sharingGain()))
                    .put("local1_examples_per_second", r.local1PerSecond(),
                            String.format("%.1f (eval job, Spark local[1])", r.local1PerSecond()))
                    .put("local2_examples_per_second", r.local2PerSecond(),
                            String.format("%.1f (eval job, Spark local[2])", r.local2PerSecond()))
                    .put("local2_over_local1", r.local2OverLocal1(), String.format("%.2fx", r.local2OverLocal1()))
                    .print(json);
            return 0;
        }
    }

    @Command(name = "merge", mixinStandardHelpOptions = true,
            description = {"Wall time per stage of a CoMe recipe (run into a scratch folder), and the merge step alone on "
                + "random weights of a real shape against the memory-copy rate of the same bytes."})
    static final class Merge implements Callable<Integer> {
        @Option(names = "--recipe", paramLabel = "FILE", defaultValue = "conf/recipes/come-stories260k.yaml",
                description = "The recipe to time (default: ${DEFAULT-VALUE}); 'none' skips it.")
        String recipe;

        @Option(names = "--shape", defaultValue = "llama2-7b",
                description = "Shape of the two random layers the merge step is timed on (default: ${DEFAULT-VALUE}).")
        String shape;

        @Option(names = "--repetitions", paramLabel = "N", defaultValue = "3", description = "Timed merges (default: ${DEFAULT-VALUE}).")
        int repetitions;

        @Option(names = "--master", paramLabel = "URL", description = "Spark master of the recipe (default: local[*]).")
        String master;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            Report report = new Report();
            if (!recipe.equals("none")) {
                Path scratch = Files.createTempDirectory("strata-bench-merge-");
                try (Sessions.Lazy spark = Sessions.lazy(master, "bench merge")) {
                    Recipe r = Recipe.read(Path.of(recipe));
                    RecipeRunner.Result result = RecipeRunner.run(r,
                            scratch.resolve("run").toString(), spark);
                    double total = 0;
                    for (var e : result.stageSeconds().entrySet()) {
                        report.put("recipe_" + e.getKey().replace('-', '_') + "_seconds", e.getValue(),
                                String.format("%.1f", e.getValue()));
                        total += e.getValue();
                    }
                    report.put("recipe_total_seconds", total, String.format("%.1f (%.0f%% of the 10-minute goal)", total,
                            100 * total / 600));
                } finally {
                    AtomicDirectory.deleteQuietly(scratch);
                }
            }
            MergeBenchmark.Result m = MergeBenchmark.run(
                    ModelShape.parse(shape), repetitions);
            report.put("merge_shape", m.shape())
                    .put("merge_layer_mb", m.layerBytes() / 1e6, String.format("%.0f", m.layerBytes() / 1e6))
                    .put("merge_step_seconds", m.mergeSeconds(), String.format("%.3f (median of %d)", m.mergeSeconds(),
                            repetitions))
                    .put("copy_seconds", m.copySeconds(), String.format("%.3f (3 layers' bytes)", m.copySeconds()))
                    .put("merge_vs_copy", m.ratio(), String.format("%.1f%% of the memory-copy rate", 100 * m.ratio()))
                    .print(json);
            return 0;
        }
    }

    @Command(name = "search", mixinStandardHelpOptions = true,
            description = {"GPTailor's search: trials per minute on local[1] and local[2] (the same search, every "
                + "trial at one budget, in a scratch folder) and a trial's split between assembling the candidate "
                + "and evaluating it."})
    static final class Search implements Callable<Integer> {
        @Option(names = "--model", paramLabel = "DIR", defaultValue = "${sys:strata.data:-../shared/data}/../models/"
                + "stories260K", description = "Hugging Face Llama folder (default: the shared model).")
        String model;

        @Option(names = "--variants", paramLabel = "DIR", split = ",",
                description = "Its fine-tuned variants (default: two copies of the model with seeded noise; the "
                    + "search's cost does not depend on what they learnt).")
        List<String> variants = List.of();

        @Option(names = "--data", paramLabel = "PATH", defaultValue = "${sys:strata.data:-../shared/data}/tinystories/"
                + "valid.txt", description = "Calibration text (16 windows of 128 tokens are drawn).")
        String data;

        @Option(names = "--tasks", paramLabel = "NAME", split = ",", defaultValue = "arc_easy,piqa",
                description = "Tasks of the objective (default: ${DEFAULT-VALUE}).")
        List<String> tasks;

        @Option(names = "--trials", paramLabel = "N", defaultValue = "24", description = "Trials (default: "
                + "${DEFAULT-VALUE}).")
        int trials;

        @Option(names = "--round-size", paramLabel = "N", defaultValue = "4",
                description = "Candidates per round (default: ${DEFAULT-VALUE}).")
        int roundSize;

        @Option(names = "--budget", paramLabel = "N", defaultValue = "48",
                description = "Examples per task of every trial (default: ${DEFAULT-VALUE}).")
        int budget;

        @Option(names = "--sampler", paramLabel = "NAME", defaultValue = "random",
                description = "random or forest (default: ${DEFAULT-VALUE}; forest adds the surrogate's fit, on the "
                    + "driver, to every round).")
        String sampler;

        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${sys:strata.data:-../shared/data}",
                description = "Task data folder (default: ${DEFAULT-VALUE}).")
        String dataDir;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Override
        public Integer call() {
            SearchBenchmark.Result r = SearchBenchmark.run(new SearchBenchmark.Options(model, variants, data, tasks,
                    trials, roundSize, budget, sampler, dataDir));
            Report report = new Report().put("trials", r.local1().trials(), r.local1().trials() + " timed of " + trials
                    + " (the first round, which loads the models and task data, is left out)")
                    .put("budget", budget, budget
                    + " examples per task, " + String.join(", ", tasks));
            for (SearchBenchmark.Run run : List.of(r.local1(), r.local2())) {
                String key = run.master().replaceAll("[^0-9a-z]", "");
                report.put(key + "_trials_per_minute", run.trialsPerMinute(), String.format(Locale.ROOT,
                        "%.1f (%.1f s of search, Spark %s)", run.trialsPerMinute(), run.searchSeconds(), run.master()));
            }
            SearchBenchmark.Run split = r.local1();
            report.put("local2_over_local1", r.speedup(), String.format(Locale.ROOT, "%.2fx", r.speedup()))
                    .put("two_threads_over_one", r.ceiling(), String.format(Locale.ROOT, "%.2fx (the same trials "
                            + "without Spark, %.1f -> %.1f a minute: this machine's ceiling)", r.ceiling(),
                            r.oneThread(), r.twoThreads()))
                    .put("assembly_seconds_per_trial", split.assemblySeconds(), String.format(Locale.ROOT,
                            "%.3f (%.1f%% of a trial, local[1])", split.assemblySeconds(),
                            100 * split.assemblyShare()))
                    .put("evaluation_seconds_per_trial", split.evaluationSeconds(), String.format(Locale.ROOT,
                            "%.3f (local[1])", split.evaluationSeconds()))
                    .print(json);
            return 0;
        }
    }

    @Command(name = "scale", mixinStandardHelpOptions = true,
            description = {"A model larger than memory end to end: calibrate, prune and ppl of the pruned model, each "
                + "in a JVM of its own with --jvm's memory limits; prints each step's wall time, tokens/s and peak "
                + "resident memory. The 13B-shape proof: strata synth --shape llama2-13b --tokenizer DIR --out M, "
                + "then strata bench scale --model M --out RUN."})
    static final class Scale implements Callable<Integer> {
        @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face Llama folder.")
        Path model;

        @Option(names = "--data", paramLabel = "FILE", defaultValue = "${sys:strata.data:-../shared/data}/tinystories/"
                + "valid.txt", description = "Text to calibrate on and measure (default: ${DEFAULT-VALUE}).")
        Path data;

        @Option(names = "--windows", paramLabel = "N", defaultValue = "2",
                description = "Windows calibrated on and measured, one batch (default: ${DEFAULT-VALUE}).")
        int windows;

        @Option(names = "--seq-len", paramLabel = "N", defaultValue = "128",
                description = "Tokens per window (default: ${DEFAULT-VALUE}).")
        int seqLen;

        @Option(names = "--layers", paramLabel = "R", defaultValue = "10",
                description = "Layers the prune step removes (ShortGPT; default: ${DEFAULT-VALUE}).")
        int layers;

        @Option(names = "--jvm", paramLabel = "OPTIONS", defaultValue = "-Xmx2g -XX:MaxDirectMemorySize=3500m",
                description = "JVM options of every step (default: ${DEFAULT-VALUE}).")
        String jvm;

        @Option(names = "--master", paramLabel = "URL", defaultValue = "local[2]",
                description = "Spark master of calibrate and prune (default: ${DEFAULT-VALUE}).")
        String master;

        @Option(names = "--out", required = true, paramLabel = "DIR",
                description = "Run folder of the steps, with each step's log (bench-STEP.log).")
        Path out;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            dev.strata.pipeline.model.LlamaConfig config = dev.strata.pipeline.model.ModelFolder.check(model);
            if (layers < 1 || layers >= config.numLayers()) {
                throw new dev.strata.pipeline.StrataException("--layers must be 1.." + (config.numLayers() - 1)
                        + " for a model of " + config.numLayers() + " layers, got " + layers);
            }
            Files.createDirectories(out);
            List<String> jvmOptions = List.of(jvm.trim().split("\\s+"));
            List<String> calibration = List.of("--model", model.toString(), "--data", data.toString(), "--samples",
                    Integer.toString(windows), "--seq-len", Integer.toString(seqLen), "--batch", Integer.toString(windows),
                    "--master", master, "--out", out.resolve("run").toString());
            Path pruned = out.resolve("run/models/bi/" + (config.numLayers() - layers) + "L");
            long tokens = (long) windows * seqLen;
            Report report = new Report().put("model", model.toString()).put("config", config.toString())
                    .put("jvm", jvm);
            long peak = 0;
            peak = Math.max(peak, step(report, "calibrate", jvmOptions, tokens, join(List.of("calibrate"), calibration)));
            peak = Math.max(peak, step(report, "prune", jvmOptions, 0,
                    join(List.of("prune", "--layers", Integer.toString(layers)), calibration)));
            peak = Math.max(peak, step(report, "ppl", jvmOptions, tokens, List.of("ppl", "--model", pruned.toString(),
                    "--data", data.toString(), "--seq-len", Integer.toString(seqLen), "--windows",
                    Integer.toString(windows), "--batch", Integer.toString(windows))));
            report.put("peak_rss_gib", peak / GIB, String.format("%.2f (the largest step's)", peak / GIB))
                    .put("pruned_model", pruned.toString())
                    .print(json);
            return 0;
        }

        private static final double GIB = 1L << 30;

        /** Runs one step, adds its figures; its peak resident memory. */
        private long step(Report report, String name, List<String> jvmOptions, long tokens, List<String> args) {
            Path log = out.resolve("bench-" + name + ".log");
            org.apache.logging.log4j.LogManager.getLogger(Scale.class).info("bench scale: {} (log {}) ...", name, log);
            MeasuredRun run = MeasuredRun.of(jvmOptions, args, log);
            if (run.exitCode() != 0) {
                throw new dev.strata.pipeline.StrataException("bench scale: " + name + " failed (" + log + "): "
                        + run.error());
            }
            report.put(name + "_seconds", run.seconds(), String.format("%.1f", run.seconds()));
            if (tokens > 0) {
                report.put(name + "_tokens_per_second", tokens / run.seconds(), String.format("%.2f (%d tokens, end to "
                        + "end)", tokens / run.seconds(), tokens));
            }
            report.put(name + "_peak_rss_gib", run.peakRssBytes() / GIB, run.peakRssBytes() < 0 ? "n/a (no /proc)"
                    : String.format("%.2f", run.peakRssBytes() / GIB));
            return run.peakRssBytes();
        }

        private static List<String> join(List<String> a, List<String> b) {
            List<String> all = new java.util.ArrayList<>(a);
            all.addAll(b);
            return all;
        }
    }
}
