package dev.strata.jobs.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.ContentVersion;
import dev.strata.jobs.io.DataFiles;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.ModelFiles;
import dev.strata.jobs.io.RunFolder;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.eval.EvalParams;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.util.Require;
import dev.strata.pipeline.eval.OptionScore;
import dev.strata.pipeline.eval.TaskScorer;
import dev.strata.pipeline.eval.report.EvalReport;
import dev.strata.pipeline.eval.report.LmEvalResults;
import dev.strata.pipeline.eval.report.ReportHtml;
import dev.strata.pipeline.eval.report.ReportText;
import dev.strata.pipeline.eval.task.ChoiceTask;
import dev.strata.pipeline.eval.task.ChoiceTask.Example;
import dev.strata.pipeline.eval.task.Task;
import dev.strata.pipeline.eval.task.Tasks;
import dev.strata.pipeline.eval.task.TextTask;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.tokenize.Tokenizer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The evaluation job. On the driver, every task's data is read and checked (bad input fails before any Spark
 * stage) and the work is cut into (model, task, shard) items. Stage "loglik": one Spark task per item scores its
 * examples with its model (loaded once per executor JVM) and the per-option log-likelihoods are written as Parquet
 * under OUT/eval/loglik. Stage "report": every metric, stability included, is derived from that table alone and
 * written as OUT/eval/report.{json,md,html}. Finished stages are skipped when the run is started again.
 */
public final class EvalJob {
    public static final String LOGLIK_STAGE = "loglik";
    public static final String REPORT_STAGE = "report";
    public static final String LOGLIK = "eval/loglik";
    public static final String REPORT = "eval";
    /** The folder of each model's lm-evaluation-harness results file, under {@link #REPORT}. */
    public static final String LM_EVAL = "lm-eval";
    public static final StructType LOGLIK_SCHEMA = new StructType()
            .add("model", DataTypes.StringType, false)
            .add("task", DataTypes.StringType, false)
            .add("example", DataTypes.IntegerType, false)
            .add("option", DataTypes.IntegerType, false)
            .add("loglik", DataTypes.DoubleType, false)
            .add("tokens", DataTypes.IntegerType, false)
            .add("chars", DataTypes.IntegerType, false)
            .add("is_gold", DataTypes.BooleanType, false)
            .add("greedy", DataTypes.BooleanType, false);
    /** Windows of a text task per work item. */
    static final int TEXT_SHARD = 16;
    private static final Logger LOG = LogManager.getLogger(EvalJob.class);
    /** Tokenized texts of this JVM, the most recently used kept (see {@link #textTokens}). */
    private static final Map<String, int[]> TEXT_TOKENS = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, int[]> eldest) {
            return size() > 16;
        }
    };
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param models model folders; the first is the original the others are compared with
     * @param tasks comma-separated task names, or "all"
     * @param limit examples per task (windows for text tasks), null for all
     * @param half which half of each task's data (examples, or text) is evaluated
     * @param dataDir the local folder holding the task data (../shared/data's layout)
     * @param shardExamples examples of a choice task per Spark task (rounded up to whole batching groups)
     * @param scores a calibration run (or a scores folder holding summary.json) whose layer scores the HTML report
     *     charts, or null
     * @param labels the models' names in the report, in the order of {@code models}; null to name them by folder
     * @param profiles what each model is (method, layers, parameters), in the order of {@code models}; null to read
     *     layers and parameters from each model's config, without methods
     */
    public record Options(List<String> models, List<String> labels, List<EvalReport.Profile> profiles, String tasks,
            Integer limit, DataHalf half, String dataDir, String out, int batchTokens, int shardExamples, String scores) {

        /** The options of an evaluation with the settings {@code e} ({@link EvalParams}). */
        public static Options of(List<String> models, List<String> labels, List<EvalReport.Profile> profiles,
                Settings e, String out, String scores) {
            return new Options(models, labels, profiles, String.join(",", e.get(EvalParams.TASKS)),
                    e.get(EvalParams.LIMIT), e.get(EvalParams.HALF), e.get(EvalParams.DATA_DIR), out,
                    e.get(EvalParams.BATCH_TOKENS), e.get(EvalParams.SHARD_EXAMPLES), scores);
        }
    }

    /**
     * @param markdown the content of OUT/eval/report.md
     * @param report the report, derived from the log-likelihood table when first asked for (a rerun whose stages are
     *     all done starts no Spark session unless a caller asks)
     */
    public record Result(Path out, String markdown, boolean loglikReused, Supplier<EvalReport> report) {
    }

    /** One Spark task: examples (windows) [from, to) of a task, scored by one model. */
    record WorkItem(String model, String task, int from, int to) implements Serializable {
    }

    private EvalJob() {
    }

    public static Result run(Options o, Supplier<SparkSession> spark) {
        if (o.labels() != null && o.labels().size() != o.models().size()) {
            throw new IllegalArgumentException(o.labels().size() + " labels for " + o.models().size() + " models");
        }
        if (o.profiles() != null && o.profiles().size() != o.models().size()) {
            throw new IllegalArgumentException(o.profiles().size() + " profiles for " + o.models().size() + " models");
        }
        if (o.models().isEmpty()) {
            throw new StrataException("--model: give at least one model folder (the first is the original)");
        }
        Require.positive("--limit", o.limit());
        Require.positive("--batch-tokens", o.batchTokens());
        Require.positive("--shard-examples", o.shardExamples());
        List<String> models = new ArrayList<>();
        for (String m : o.models()) {
            String qualified = HadoopFiles.path(m).toString();
            if (models.contains(qualified)) {
                throw new StrataException("--model " + m + " is given twice");
            }
            models.add(qualified);
        }
        List<Task> tasks = Tasks.parse(o.tasks());
        java.nio.file.Path dataDir = DataFiles.local(o.dataDir(), HadoopFiles.configuration());
        if (dataDir == null) {
            throw new StrataException("--data-dir " + o.dataDir() + ": not a directory"
                    + HadoopFiles.clusterHint(HadoopFiles.path(o.dataDir())));
        }
        Map<String, List<Example>> examples = new LinkedHashMap<>();
        Map<String, String> texts = new LinkedHashMap<>();
        read(tasks, dataDir, o.half(), o.limit(), examples, texts);
        Map<String, LlamaConfig> configs = new LinkedHashMap<>();
        for (String m : models) {
            configs.put(m, ModelFolder.readConfig(ModelFiles.localMetadata(HadoopFiles.path(m), HadoopFiles.configuration())));
        }
        Map<String, List<Double>> layerScores = o.scores() == null ? Map.of() : layerScores(o.scores());

        ObjectNode inputs = JSON.createObjectNode();
        models.forEach(inputs.putArray("models")::add);
        tasks.forEach(t -> inputs.withArray("tasks").add(t.name()));
        if (o.limit() != null) {
            inputs.put("limit", o.limit());
        }
        if (o.half() != DataHalf.ALL) {
            inputs.put("half", o.half().id());
        }
        inputs.put("data_dir", DataFiles.address(o.dataDir()));
        try (RunFolder run = RunFolder.open(o.out(), "--out", "eval", inputs)) {
            for (int i = 0; i < models.size(); i++) {
                run.requireVersion("model " + models.get(i), "the model " + o.models().get(i),
                        ContentVersion.ofFolder(HadoopFiles.path(models.get(i)), HadoopFiles.configuration()));
            }
            run.requireVersion("tasks", "the task data in " + o.dataDir(), taskVersion(examples, texts));
            boolean[] computed = {false};
            run.once(LOGLIK_STAGE, () -> {
                computed[0] = true;
                return writeLoglik(spark.get(), run, plan(models, tasks, examples, texts, configs, o), examples, texts,
                        o.batchTokens());
            });
            if (computed[0] && run.isDone(REPORT_STAGE)) {
                run.markUndone(REPORT_STAGE); // derived from the log-likelihoods computed again
            }
            Supplier<EvalReport> report = once(() -> readReport(spark.get(), run.path(LOGLIK), models,
                    o.labels() == null ? models : o.labels(), profiles(o, models, configs), tasks, o.half(),
                    layerScores));
            run.once(REPORT_STAGE, () -> writeReport(run, report.get(), models));
            return new Result(run.root(), run.readText(run.path(REPORT + "/report.md")), !computed[0], report);
        }
    }

    /** The content of every task's examples and texts, as read. */
    private static ObjectNode taskVersion(Map<String, List<Example>> examples, Map<String, String> texts) {
        ObjectNode version = JSON.createObjectNode();
        examples.forEach((task, list) -> ContentVersion.putText(version, task,
                list.stream().map(Example::toString).toList()));
        texts.forEach((task, text) -> ContentVersion.putText(version, task, List.of(text)));
        return version;
    }

    /**
     * Checks a recipe's evaluate section before any stage runs, naming its keys: the data folder exists and every
     * task's data reads.
     */
    public static void check(Settings evaluate) {
        String given = evaluate.get(EvalParams.DATA_DIR);
        java.nio.file.Path dataDir = DataFiles.local(given, HadoopFiles.configuration());
        if (dataDir == null) {
            throw evaluate.invalid(EvalParams.DATA_DIR, given + ": not a directory"
                    + HadoopFiles.clusterHint(HadoopFiles.path(given)));
        }
        read(Tasks.parse(String.join(",", evaluate.get(EvalParams.TASKS))), dataDir, evaluate.get(EvalParams.HALF),
                evaluate.get(EvalParams.LIMIT), new LinkedHashMap<>(), new LinkedHashMap<>());
    }

    /**
     * Reads every task's examples (the first {@code limit} of its {@code half}) or text (its {@code half}) into
     * {@code examples} and {@code texts}.
     */
    private static void read(List<Task> tasks, java.nio.file.Path dataDir, DataHalf half, Integer limit,
            Map<String, List<Example>> examples, Map<String, String> texts) {
        for (Task t : tasks) {
            if (t instanceof ChoiceTask choice) {
                List<Example> all = half.of(choice.read(dataDir));
                examples.put(t.name(), List.copyOf(limit == null ? all : all.subList(0, Math.min(limit, all.size()))));
            } else {
                texts.put(t.name(), half.of(((TextTask) t).read(dataDir)));
            }
        }
    }

    /** Work items in model order (so each executor holds few models at a time). */
    private static List<WorkItem> plan(List<String> models, List<Task> tasks, Map<String, List<Example>> examples,
            Map<String, String> texts, Map<String, LlamaConfig> configs, Options o) {
        List<WorkItem> items = new ArrayList<>();
        for (String m : models) {
            for (Task t : tasks) {
                int count;
                int shard;
                if (t instanceof ChoiceTask) {
                    count = examples.get(t.name()).size();
                    shard = (o.shardExamples() + TaskScorer.GROUP - 1) / TaskScorer.GROUP * TaskScorer.GROUP;
                } else {
                    count = textWindows(m, configs.get(m), texts.get(t.name()), t);
                    count = o.limit() == null ? count : Math.min(o.limit(), count);
                    shard = TEXT_SHARD;
                }
                for (int from = 0; from < count; from += shard) {
                    items.add(new WorkItem(m, t.name(), from, Math.min(count, from + shard)));
                }
            }
        }
        LOG.info("eval: {} model(s) x {} task(s) in {} Spark tasks", models.size(), tasks.size(), items.size());
        return items;
    }

    /** The windows of the model's context that a text gives with the model's tokenizer. */
    private static int textWindows(String model, LlamaConfig config, String text, Task task) {
        java.nio.file.Path metadata = ModelFiles.localMetadata(HadoopFiles.path(model), HadoopFiles.configuration());
        try (Tokenizer tokenizer = Tokenizer.load(metadata, config)) {
            int tokens = textTokens(model, task.name(), text, tokenizer).length;
            int windows = TaskScorer.windows(tokens, config.maxPositions());
            if (windows == 0) {
                throw new StrataException(task.name() + ": " + task.source() + " gives " + tokens + " tokens with "
                        + model + "'s tokenizer, fewer than one window of " + config.maxPositions());
            }
            return windows;
        }
    }

    /**
     * A text task's tokens with a model's tokenizer, tokenized once per JVM: every shard of the task (and, in local
     * mode, the driver's count of windows) shares them. Keyed by the model folder's version and the text itself.
     */
    private static int[] textTokens(String model, String task, String text, Tokenizer tokenizer) {
        String key = model + "@" + ModelFiles.version(HadoopFiles.path(model), HadoopFiles.configuration()) + "\n"
                + task + "\n" + text.length() + "\n" + text.hashCode();
        synchronized (TEXT_TOKENS) {
            int[] known = TEXT_TOKENS.get(key);
            if (known != null) {
                return known;
            }
        }
        int[] tokens = tokenizer.encodeWithBos(text);
        synchronized (TEXT_TOKENS) {
            TEXT_TOKENS.put(key, tokens);
        }
        return tokens;
    }

    private static ObjectNode writeLoglik(SparkSession spark, RunFolder run, List<WorkItem> items,
            Map<String, List<Example>> examples, Map<String, String> texts, int batchTokens) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<Map<String, List<Example>>> sharedExamples = jsc.broadcast(new HashMap<>(examples));
        Broadcast<Map<String, String>> sharedTexts = jsc.broadcast(new HashMap<>(texts));
        JavaRDD<Row> rows = jsc.parallelize(items, items.size()).flatMap(item -> {
            TaskResources.useTaskThreads();
            Task task = Tasks.parse(item.task()).get(0);
            java.nio.file.Path local = ModelFiles.local(HadoopFiles.path(item.model()), HadoopFiles.configuration());
            List<OptionScore> scores;
            try (ModelCache.Lease lease = ModelCache.acquire(item.model(), TaskResources.device());
                    Tokenizer tokenizer = Tokenizer.load(local, lease.model().config())) {
                TaskScorer scorer = new TaskScorer(lease.model(), tokenizer, batchTokens);
                scores = task instanceof ChoiceTask choice
                        ? scorer.score(choice, sharedExamples.value().get(item.task()).subList(item.from(), item.to()))
                        : scorer.score((TextTask) task, textTokens(item.model(), item.task(),
                                sharedTexts.value().get(item.task()), tokenizer), item.from(), item.to());
            }
            List<Row> out = new ArrayList<>(scores.size());
            for (OptionScore s : scores) {
                out.add(RowFactory.create(item.model(), s.task(), s.example(), s.option(), s.loglik(), s.tokens(),
                        s.chars(), s.gold(), s.greedy()));
            }
            return out.iterator();
        });
        Path staging = run.staging(LOGLIK);
        spark.createDataFrame(rows, LOGLIK_SCHEMA).write().parquet(staging.toString());
        run.commit(staging, LOGLIK);
        sharedExamples.destroy();
        sharedTexts.destroy();
        ObjectNode info = JSON.createObjectNode();
        info.put("spark_tasks", items.size());
        return info;
    }

    /** Each model's profile: given, or its layers and parameters from its config. */
    private static List<EvalReport.Profile> profiles(Options o, List<String> models, Map<String, LlamaConfig> configs) {
        return o.profiles() != null ? o.profiles() : models.stream()
                .map(m -> new EvalReport.Profile("", configs.get(m).numLayers(), configs.get(m).parameterCount()))
                .toList();
    }

    /** {@code compute}'s value, computed at the first call only. */
    private static <T> Supplier<T> once(Supplier<T> compute) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) {
                    value = compute.get();
                }
                return value;
            }
        };
    }

    /** Derives every metric from the log-likelihood table {@code loglik}. */
    private static EvalReport readReport(SparkSession spark, Path loglik, List<String> models, List<String> labels,
            List<EvalReport.Profile> profiles, List<Task> tasks, DataHalf half, Map<String, List<Double>> layerScores) {
        Map<String, Map<String, List<OptionScore>>> rows = new LinkedHashMap<>();
        for (String m : models) {
            Map<String, List<OptionScore>> byTask = new LinkedHashMap<>();
            tasks.forEach(t -> byTask.put(t.name(), new ArrayList<>()));
            rows.put(m, byTask);
        }
        for (Row r : spark.read().parquet(loglik.toString()).collectAsList()) {
            rows.get(r.getString(0)).get(r.getString(1)).add(new OptionScore(r.getString(1), r.getInt(2), r.getInt(3),
                    r.getDouble(4), r.getInt(5), r.getInt(6), r.getBoolean(7), r.getBoolean(8)));
        }
        Map<String, EvalReport.Profile> named = new LinkedHashMap<>();
        Map<String, Map<String, List<OptionScore>>> namedRows = new LinkedHashMap<>();
        for (int i = 0; i < models.size(); i++) {
            named.put(labels.get(i), profiles.get(i));
            namedRows.put(labels.get(i), rows.get(models.get(i)));
        }
        return EvalReport.build(tasks, named, namedRows, half, layerScores);
    }

    /**
     * Writes report.json, report.md, report.html and, per model, lm-evaluation-harness's results file
     * (OUT/eval/lm-eval/MODEL/results_strata.json).
     */
    private static ObjectNode writeReport(RunFolder run, EvalReport report, List<String> models) {
        run.writeText(run.path(REPORT + "/report.json"), ReportText.json(report));
        run.writeText(run.path(REPORT + "/report.md"), ReportText.markdown(report));
        run.writeText(run.path(REPORT + "/report.html"), ReportHtml.html(report));
        for (int i = 0; i < models.size(); i++) {
            EvalReport.ModelResult m = report.models().get(i);
            run.writeText(run.path(REPORT + "/" + LM_EVAL + "/" + LmEvalResults.sanitized(m.model()) + "/"
                    + LmEvalResults.FILE),
                    LmEvalResults.json(report, m, models.get(i)));
        }
        LOG.info("eval: report in {}", run.path(REPORT + "/report.html"));
        return JSON.createObjectNode();
    }

    /** metric -> values by layer, from a run's original scores (summary.json). */
    private static Map<String, List<Double>> layerScores(String run) {
        Path given = HadoopFiles.path(run);
        Path dir = ScoreTables.locate(given, HadoopFiles.configuration());
        Path summary = new Path(dir != null ? dir : given, ScoreTables.SUMMARY);
        String text = HadoopFiles.readText(summary, HadoopFiles.configuration(), " (is --scores a finished run?)");
        Map<String, List<Double>> out = new LinkedHashMap<>();
        try {
            JsonNode scores = JSON.readTree(text).path("layer_scores");
            scores.fieldNames().forEachRemaining(metric -> {
                List<Double> values = new ArrayList<>();
                scores.get(metric).forEach(v -> values.add(v.isNumber() ? v.asDouble() : Double.NaN));
                out.put(metric, values);
            });
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new StrataException(HadoopFiles.display(summary) + ": not valid JSON: " + ex.getOriginalMessage());
        }
        return out;
    }
}
