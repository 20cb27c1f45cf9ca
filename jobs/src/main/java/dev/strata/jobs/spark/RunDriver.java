package dev.strata.jobs.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.ContentVersion;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.ModelFiles;
import dev.strata.jobs.io.RunFolder;
import dev.strata.jobs.io.WindowFiles;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.Compressed;
import dev.strata.pipeline.compress.CompressionMethod;
import dev.strata.pipeline.compress.CompressionRun;
import dev.strata.pipeline.compress.ModelTask;
import dev.strata.pipeline.compress.Need;
import dev.strata.pipeline.compress.Plan;
import dev.strata.pipeline.compress.Product;
import dev.strata.pipeline.compress.ReportSection;
import dev.strata.pipeline.compress.RunParams;
import dev.strata.pipeline.compress.StoredModel;
import dev.strata.pipeline.compress.TrainingRecord;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.eval.report.ReportHtml;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.Metric;
import dev.strata.pipeline.score.ScoreSummary;
import dev.strata.pipeline.score.WindowStatistic;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.tailor.Tailor;
import dev.strata.pipeline.train.TrainingLosses;
import dev.strata.pipeline.train.TrainingTask;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

/**
 * The one driver of every run: it owns the run folder ({@link RunLayout}) and its stages ({@link RunFolder#once}),
 * and gives methods what {@link CompressionRun} promises: the calibration windows, the original's scores (scored
 * once per folder, shared by every method run there), distributed passes, training and stored models. A method runs
 * through a view that keeps its models, scores and stages under its own name, so several methods share one folder.
 * Everything that can be checked is checked before Spark starts.
 */
public final class RunDriver implements AutoCloseable {
    public static final String KIND = "run";
    private static final Logger LOG = LogManager.getLogger(RunDriver.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Settings settings;
    private final RunFolder folder;
    private final Supplier<SparkSession> spark;
    private final String model;
    private final java.nio.file.Path metadata;
    private final LlamaConfig config;
    private final CalibrationWindows calibration;
    private final Path scoresFrom;
    private final Map<String, LayerScores> scores = new HashMap<>();
    /** Models given to methods by name (a recipe's variants). */
    private final Map<String, String> named = new LinkedHashMap<>();
    private final List<ReportSection> sections = new ArrayList<>();

    private RunDriver(Settings settings, RunFolder folder, Supplier<SparkSession> spark, String model,
            java.nio.file.Path metadata, LlamaConfig config, CalibrationWindows calibration, Path scoresFrom) {
        this.settings = settings;
        this.folder = folder;
        this.spark = spark;
        this.model = model;
        this.metadata = metadata;
        this.config = config;
        this.calibration = calibration;
        this.scoresFrom = scoresFrom;
    }

    /**
     * Checks the run's settings ({@link RunParams}) against the model, and opens {@code out}: a new run, or the same
     * run (same model and calibration windows) resumed. {@code spark} is started only when a stage needs it.
     */
    public static RunDriver open(Settings run, String out, Supplier<SparkSession> spark) {
        Inputs in = Inputs.check(run);
        String model = in.model();
        CalibrationWindows calibration = in.calibration();
        Path scoresFrom = in.scoresFrom();
        Configuration conf = HadoopFiles.configuration();
        ObjectNode inputs = JSON.createObjectNode();
        inputs.put("model", model);
        calibration.describe(inputs);
        if (run.get(RunParams.PPL_WINDOWS) != null) {
            inputs.put("ppl_windows", run.get(RunParams.PPL_WINDOWS));
        }
        if (scoresFrom != null) {
            inputs.put("scores", scoresFrom.toString());
        }
        RunFolder folder = RunFolder.open(out, "--out", KIND, inputs);
        try {
            folder.requireVersion("model", "the model " + run.get(RunParams.MODEL),
                    ContentVersion.ofFolder(HadoopFiles.path(model), conf));
            folder.requireVersion("data", "the data " + run.get(RunParams.DATA), calibration.version(conf));
            if (scoresFrom != null) {
                folder.requireVersion("scores", "the scores " + run.get(RunParams.SCORES),
                        ContentVersion.ofFolder(scoresFrom, conf));
            }
        } catch (RuntimeException ex) {
            folder.close();
            throw ex;
        }
        return new RunDriver(run, folder, spark, model, in.metadata(), in.config(), calibration, scoresFrom);
    }

    /**
     * What a run reads, checked before anything runs or is written: the model (a local one's safetensors headers too),
     * the sequence length against its context, the calibration text's spec and the scores taken from another run.
     */
    public record Inputs(String model, java.nio.file.Path metadata, LlamaConfig config, CalibrationWindows calibration,
            Path scoresFrom) {
        public static Inputs check(Settings run) {
            String modelAsGiven = run.get(RunParams.MODEL);
            String model = HadoopFiles.path(modelAsGiven).toString();
            Configuration conf = HadoopFiles.configuration();
            java.nio.file.Path metadata = ModelFiles.localMetadata(HadoopFiles.path(model), conf);
            // a local model's safetensors headers are checked here (no weights read), so that tensors the config does
            // not imply fail now, not in every Spark task; a remote model's are checked when its tasks copy it
            LlamaConfig config = HadoopFiles.isLocal(HadoopFiles.path(model)) ? ModelFolder.check(metadata)
                    : ModelFolder.readConfig(metadata);
            Integer given = run.get(RunParams.SEQ_LEN);
            int seqLen = given != null ? given : config.maxPositions();
            if (seqLen > config.maxPositions()) {
                throw run.invalid(RunParams.SEQ_LEN, seqLen + " is above max_position_embeddings "
                        + config.maxPositions() + " of " + modelAsGiven + "/config.json");
            }
            String data = run.get(RunParams.DATA);
            CalibrationWindows calibration = new CalibrationWindows(HadoopFiles.path(data).toString(), data,
                    run.get(RunParams.HALF), seqLen, run.get(RunParams.SAMPLES), run.get(RunParams.SEED));
            Path scoresFrom = null;
            if (run.get(RunParams.SCORES) != null) {
                Path dir = HadoopFiles.path(run.get(RunParams.SCORES));
                scoresFrom = ScoreTables.locate(dir, conf);
                if (scoresFrom == null) {
                    throw run.invalid(RunParams.SCORES, run.get(RunParams.SCORES)
                            + ": no score tables (not a finished run?)");
                }
            }
            return new Inputs(model, metadata, config, calibration, scoresFrom);
        }
    }

    /** Releases the run folder for other commands. */
    @Override
    public void close() {
        folder.close();
    }

    public RunFolder folder() {
        return folder;
    }

    /** The model compressed (its absolute address). */
    public String model() {
        return model;
    }

    public LlamaConfig config() {
        return config;
    }

    /**
     * Checks a method's settings against the model, and against the settings it ran with in this folder, before
     * anything runs.
     */
    public void check(CompressionMethod method, Settings s) {
        method.check(s, config);
        requireLocalSearchData(s);
        folder.checkClaim(method.name(), method.identity(s), "--out");
    }

    /**
     * GPTailor's search scores its candidates on the executors, each reading the task data from its own disk: that
     * folder cannot be on hdfs:// or s3a:// (the evaluation's can: only its driver reads it).
     */
    static void requireLocalSearchData(Settings s) {
        if (s.has(Tailor.DATA_DIR) && !HadoopFiles.isLocal(HadoopFiles.path(s.get(Tailor.DATA_DIR)))) {
            throw s.invalid(Tailor.DATA_DIR, s.get(Tailor.DATA_DIR) + ": the search reads the task data on every "
                    + "executor, so it must be a local folder present on every node (the image's, or one copied there)");
        }
    }

    /**
     * Runs {@code method} in this folder: its settings are recorded (a rerun with other settings is refused), what it
     * needs is prepared, and every model it makes is a stage a rerun reuses.
     */
    public List<Product> compress(CompressionMethod method, Settings s) {
        method.check(s, config);
        requireLocalSearchData(s);
        folder.claim(method.name(), method.identity(s), "--out");
        Set<Need> needs = method.needs(s);
        if (needs.contains(Need.WINDOWS)) {
            windows(null);
        }
        if (needs.contains(Need.SCORES)) {
            originalScores(needs.contains(Need.PPL_DROP));
        }
        List<Product> products = method.compress(new MethodRun(method.name(), needs.contains(Need.PPL_DROP)), s);
        for (Product p : products) {
            LOG.info("{}: {} ({} layers, {} parameters) in {}", method.name(), p.label(), p.layers(),
                    String.format("%,d", p.parameters()), p.model().address());
        }
        return products;
    }

    /**
     * The run as a method sees it, for work that is not a registered method (distilling a given student): its models
     * and stages kept under {@code name}, its settings recorded as a method's are.
     */
    public CompressionRun runFor(String name, ObjectNode identity) {
        folder.claim(name, identity, "--out");
        return new MethodRun(name, false);
    }

    /** The sections methods added to the report, in the order they were added. */
    public List<ReportSection> reportSections() {
        return List.copyOf(sections);
    }

    /** Keeps a method's report section and writes it as OUT/reports/METHOD.md and .html. */
    private void report(String method, ReportSection section) {
        sections.add(section);
        folder.writeText(folder.path(RunLayout.methodReport(method) + ".md"), "# " + method + "\n\n"
                + section.markdownWithTitle());
        folder.writeText(folder.path(RunLayout.methodReport(method) + ".html"), ReportHtml.page(method,
                section.htmlWithTitle()));
        LOG.info("{}: report in {}.html", method, folder.path(RunLayout.methodReport(method)));
    }

    /** Lets methods name the model at {@code address} by {@code name} (a recipe's variant). */
    public void nameModel(String name, String address) {
        named.put(name, address);
    }

    String modelNamed(String nameOrFolder) {
        String address = named.get(nameOrFolder);
        return address != null ? address : HadoopFiles.path(nameOrFolder).toString();
    }

    /** Runs model tasks as Spark tasks, one each, results in their order. */
    <R extends java.io.Serializable> List<R> runTasks(String label, List<? extends ModelTask<R>> tasks) {
        if (tasks.isEmpty()) {
            return List.of();
        }
        List<ModelTask<R>> all = new ArrayList<>(tasks);
        LOG.info("{}: {} Spark tasks", label, all.size());
        return org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.get().sparkContext())
                .parallelize(all, all.size()).map(RunDriver::runHere).collect();
    }

    /** One model task on this JVM: its models leased from the JVM's cache for the task's time. */
    private static <R extends java.io.Serializable> R runHere(ModelTask<R> task) {
        TaskResources.useTaskThreads();
        ModelCache.keepAtLeast(task.models().size());
        Configuration conf = HadoopFiles.configuration();
        List<ModelCache.Lease> leases = new ArrayList<>();
        try {
            List<dev.strata.pipeline.forward.LlamaModel> models = new ArrayList<>();
            List<java.nio.file.Path> folders = new ArrayList<>();
            for (String address : task.models()) {
                ModelCache.Lease lease = ModelCache.acquire(address, TaskResources.device());
                leases.add(lease);
                models.add(lease.model());
                folders.add(ModelFiles.local(HadoopFiles.path(address), conf));
            }
            return task.run(models, folders);
        } finally {
            leases.forEach(ModelCache.Lease::close);
        }
    }

    /** Writes one part of a table of rows under search/TABLE (staged, then committed). */
    void writeTablePart(String table, String part, List<Map<String, Object>> rows) {
        if (rows.isEmpty()) {
            return;
        }
        String path = RunLayout.table(table) + "/" + part;
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType();
        for (Map.Entry<String, Object> column : rows.get(0).entrySet()) {
            schema = schema.add(column.getKey(), sparkType(column.getKey(), column.getValue()), true);
        }
        List<org.apache.spark.sql.Row> values = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            values.add(org.apache.spark.sql.RowFactory.create(row.values().toArray()));
        }
        Path staging = folder.staging(path);
        spark.get().createDataFrame(values, schema).coalesce(1).write().parquet(staging.toString());
        folder.commit(staging, path);
    }

    private static org.apache.spark.sql.types.DataType sparkType(String column, Object value) {
        if (value instanceof Integer) {
            return org.apache.spark.sql.types.DataTypes.IntegerType;
        } else if (value instanceof Long) {
            return org.apache.spark.sql.types.DataTypes.LongType;
        } else if (value instanceof Double) {
            return org.apache.spark.sql.types.DataTypes.DoubleType;
        } else if (value instanceof Boolean) {
            return org.apache.spark.sql.types.DataTypes.BooleanType;
        } else if (value instanceof String) {
            return org.apache.spark.sql.types.DataTypes.StringType;
        }
        throw new IllegalArgumentException("column " + column + ": no Parquet type for " + value);
    }

    /** A record-only step of a method (stage steps/NAME). */
    JsonNode step(String name, Supplier<ObjectNode> work) {
        return folder.once(RunLayout.step(name), work);
    }

    /** The windows of the calibration text drawn {@code samples} at a time (null: the calibration windows). */
    private CalibrationWindows windowSpec(Integer samples) {
        return samples == null ? calibration : calibration.withSamples(samples);
    }

    /** Writes those windows unless the run has them; their count. */
    long windows(Integer samples) {
        return windowSpec(samples).ensure(folder, metadata, config, spark);
    }

    /** The original's scores on the calibration windows, with PPL-drop when asked (scored once per folder). */
    public LayerScores originalScores(boolean pplDrop) {
        if (scoresFrom != null) {
            LayerScores given = scores.computeIfAbsent(RunLayout.ORIGINAL,
                    k -> ScoreTables.read(spark.get(), scoresFrom, model));
            if (pplDrop && Double.isNaN(given.layer(Metric.PPL_DROP, 0))) {
                throw settings.invalid(RunParams.SCORES, settings.get(RunParams.SCORES) + ": the scores have no "
                        + Metric.PPL_DROP.id() + " (calibrate that run with --metric ppl-drop)");
            }
            return given;
        }
        return scores(RunLayout.ORIGINAL, model, 0, pplDrop);
    }

    /** The folder of the original's scores: this run's, or those it takes from another run. */
    public Path originalScoresFolder() {
        return scoresFrom != null ? scoresFrom : folder.path(RunLayout.scores(RunLayout.ORIGINAL));
    }

    /** The original's summary.json (layer and block scores for people), once scored. */
    public JsonNode summary() {
        Path dir = originalScoresFolder();
        try {
            return JSON.readTree(folder.readText(new Path(dir, ScoreTables.SUMMARY)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new StrataException(dir + "/" + ScoreTables.SUMMARY + ": not valid JSON: " + ex.getOriginalMessage());
        }
    }

    /**
     * The scores of {@code scored} on the calibration windows, stored under scores/NAME with the step column
     * {@code step}; scores stored without PPL-drop are scored again when it is asked for.
     */
    LayerScores scores(String name, String scored, int step, boolean pplDrop) {
        String path = RunLayout.scores(name);
        if (folder.isDone(path) && pplDrop && !folder.stage(path).path("ppl_drop").asBoolean()) {
            folder.markUndone(path);
            scores.remove(name);
        }
        boolean reused = folder.isDone(path);
        folder.once(path, () -> {
            long windows = windows(null);
            int partitions = partitions();
            LayerScores hidden = Scoring.score(spark.get(), scored, folder.path(calibration.path()), windows,
                    settings.get(RunParams.BATCH), partitions).scores().requireFinite(scored);
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("run_id", folder.runId());
            header.put("model", scored);
            header.put("step", step);
            header.put("data", calibration.data());
            header.put("seq_len", calibration.seqLen());
            LlamaConfig scoredConfig = configOf(scored);
            LayerScores computed = hidden;
            if (pplDrop) {
                List<TokenWindow> eval = calibration.read(folder, windows, settings.get(RunParams.PPL_WINDOWS));
                PplDropJob.Result drop = PplDropJob.run(spark.get(), scored, scoredConfig.numLayers(), eval,
                        settings.get(RunParams.BATCH));
                computed = hidden.withLayerRows(drop.drops()).requireFinite(scored);
                header.put("ppl", drop.full());
                header.put("ppl_windows", eval.size());
            }
            Path staging = folder.staging(path);
            ScoreTables.write(spark.get(), computed, folder.runId(), scored, step, staging);
            folder.writeText(new Path(staging, ScoreTables.SUMMARY),
                    toJson(ScoreSummary.toJson(computed, scoredConfig.numLayers(), header)));
            folder.commit(staging, path);
            scores.put(name, computed);
            ObjectNode info = JSON.createObjectNode();
            info.put("ppl_drop", pplDrop);
            info.put("tokens", computed.tokens());
            info.put("partitions", partitions);
            return info;
        });
        if (reused && !scores.containsKey(name)) {
            scores.put(name, ScoreTables.read(spark.get(), folder.path(path), scored));
        }
        return scores.get(name);
    }

    /** A statistic of {@code scored} over the calibration windows (a distributed pass, not stored). */
    <S extends WindowStatistic<S>> S accumulate(String scored, WindowStatistic.Factory<S> empty, String label) {
        long windows = windows(null);
        return Scoring.accumulate(spark.get(), scored, folder.path(calibration.path()), windows,
                settings.get(RunParams.BATCH), partitions(), empty, label);
    }

    private int partitions() {
        Integer p = settings.get(RunParams.PARTITIONS);
        return p != null ? p : spark.get().sparkContext().defaultParallelism();
    }

    /** The weights of a model folder, read on the driver. */
    Checkpoint read(String address) {
        return ModelFolder.read(ModelFiles.local(HadoopFiles.path(address), folder.configuration()));
    }

    private LlamaConfig configOf(String address) {
        return ModelFolder.readConfig(ModelFiles.localMetadata(HadoopFiles.path(address), folder.configuration()));
    }

    /** The model stored as {@code name}: written with its plan unless the run has it. */
    StoredModel model(String name, Supplier<Compressed> make) {
        String path = RunLayout.model(name);
        JsonNode record = folder.once(path, () -> {
            Compressed made = make.get();
            write(made.model(), made.plan(), path);
            ObjectNode info = JSON.createObjectNode();
            info.put("layers", made.model().config().numLayers());
            return info;
        });
        return stored(name, record);
    }

    private void write(dev.strata.pipeline.model.ModelWeights model, Plan plan, String path) {
        Path staged = folder.staging(path);
        ModelFiles.write(model, Map.of(Plan.FILE, plan.toJson()), staged, folder.configuration());
        folder.commit(staged, path);
    }

    private StoredModel stored(String name, JsonNode record) {
        Path dir = folder.path(RunLayout.model(name));
        Path planFile = new Path(dir, Plan.FILE);
        Plan plan = Plan.parse(folder.readText(planFile), HadoopFiles.display(planFile));
        List<TrainingRecord> training = new ArrayList<>();
        for (JsonNode t : record.path("tasks")) {
            training.add(new TrainingRecord(t.path("task").asText(), new TrainingLosses(t.path("first_loss").asDouble(),
                    t.path("last_loss").asDouble(), t.path("last_epoch_loss").asDouble(), t.path("steps").asInt())));
        }
        return new StoredModel(name, dir.toString(), plan, training);
    }

    /**
     * Trains layers of {@code student} against the original, one Spark task per training task, and stores the
     * student with the trained layers as {@code name}, with the losses of every task (and, for one task, the trained
     * model's logits on the probe tokens) in its stage record.
     */
    StoredModel train(String method, String name, StoredModel student, List<TrainingTask> tasks, Integer samples) {
        String path = RunLayout.model(name);
        JsonNode record = folder.once(path, () -> {
            Integer drawn = samples != null ? samples : calibration.samples();
            long windows = windows(drawn);
            WindowFiles files = WindowFiles.of(folder.path(windowSpec(drawn).path()), folder.configuration());
            Path staging = folder.staging(RunLayout.training(name));
            for (TrainingTask t : tasks) {
                LOG.info("{}: {} steps of {} windows", t.name(), t.settings().steps(windows), t.settings().batch());
            }
            List<Trainer.TaskResult> results = Trainer.run(spark.get(), model, student.address(), tasks, files, windows,
                    staging.toString());
            folder.commit(staging, RunLayout.training(name));
            dev.strata.pipeline.model.ModelWeights trained = Trainer.assemble(ModelFolder.open(ModelFiles.local(
                    HadoopFiles.path(student.address()), folder.configuration())), folder.path(RunLayout.training(name)),
                    tasks.size(), folder.configuration());
            ObjectNode step = JSON.createObjectNode();
            step.put("training", name);
            tasks.forEach(t -> step.withArray("tasks").add(t.name()));
            step.put("windows", windows);
            write(trained, student.plan().with(method, step), path);
            ObjectNode info = JSON.createObjectNode();
            ArrayNode rows = info.putArray("tasks");
            for (Trainer.TaskResult r : results) {
                TrainingLosses l = r.losses();
                ObjectNode row = rows.addObject();
                row.put("task", tasks.get(r.task()).name());
                row.put("first_loss", l.first());
                row.put("last_loss", l.last());
                row.put("last_epoch_loss", l.lastEpochMean());
                row.put("steps", l.steps());
                LOG.info("{}: loss {} -> {} over {} steps (last epoch mean {})", tasks.get(r.task()).name(),
                        String.format("%.5f", l.first()), String.format("%.5f", l.last()), l.steps(),
                        String.format("%.5f", l.lastEpochMean()));
                if (r.probe() != null) {
                    ArrayNode probe = info.putArray("probe_logits");
                    for (float v : r.probe()) {
                        probe.add(v);
                    }
                }
            }
            return info;
        });
        return stored(name, record);
    }

    private static String toJson(JsonNode node) {
        try {
            return JSON.writeValueAsString(node) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** What one method sees: the run, its names kept under the method's own. */
    private final class MethodRun implements CompressionRun {
        private final String method;
        private final boolean pplDrop;
        private final StoredModel original;

        MethodRun(String method, boolean pplDrop) {
            this.method = method;
            this.pplDrop = pplDrop;
            this.original = new StoredModel(RunLayout.ORIGINAL, model, Plan.identity(config), List.of());
        }

        @Override
        public StoredModel original() {
            return original;
        }

        @Override
        public LlamaConfig config() {
            return config;
        }

        @Override
        public LayerScores originalScores() {
            return RunDriver.this.originalScores(pplDrop);
        }

        @Override
        public LayerScores scores(String name, String scored, int step, boolean withPplDrop) {
            return RunDriver.this.scores(method + "/" + name, scored, step, withPplDrop);
        }

        @Override
        public <S extends WindowStatistic<S>> S accumulate(String scored, WindowStatistic.Factory<S> empty) {
            return RunDriver.this.accumulate(scored, empty, method + " pass");
        }

        @Override
        public Checkpoint read(String address) {
            return RunDriver.this.read(address);
        }

        @Override
        public dev.strata.pipeline.model.StoredWeights open(String address) {
            return ModelFolder.open(ModelFiles.local(HadoopFiles.path(address), folder.configuration()));
        }

        @Override
        public StoredModel model(String name, Supplier<Compressed> make) {
            return RunDriver.this.model(method + "/" + name, make);
        }

        @Override
        public StoredModel train(String name, StoredModel student, List<TrainingTask> tasks, Integer samples) {
            return RunDriver.this.train(method, method + "/" + name, student, tasks, samples);
        }

        @Override
        public <R extends java.io.Serializable> List<R> runTasks(String label, List<? extends ModelTask<R>> tasks) {
            return RunDriver.this.runTasks(method + " " + label, tasks);
        }

        @Override
        public JsonNode step(String name, Supplier<ObjectNode> work) {
            return RunDriver.this.step(method + "/" + name, work);
        }

        @Override
        public void writeTablePart(String table, String part, List<Map<String, Object>> rows) {
            RunDriver.this.writeTablePart(table, part, rows);
        }

        @Override
        public void report(ReportSection section) {
            RunDriver.this.report(method, section);
        }

        @Override
        public dev.strata.pipeline.tailor.Surrogate.Fitter surrogates() {
            return new ForestSurrogates(spark.get());
        }

        @Override
        public LlamaConfig configOf(String address) {
            return RunDriver.this.configOf(address);
        }

        @Override
        public String modelNamed(String nameOrFolder) {
            return RunDriver.this.modelNamed(nameOrFolder);
        }
    }
}
