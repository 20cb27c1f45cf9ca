package dev.strata.pipeline.compress;

import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.WindowStatistic;
import dev.strata.pipeline.train.TrainingTask;
import java.util.List;
import java.util.function.Supplier;

/**
 * What a run offers a method: the model to compress, its calibration windows and scores, distributed passes over
 * those windows, training, and the stages that store models. The run owns the folder: every model a method makes is
 * stored under a name of the method's own, as a stage that a rerun finds done and reads back instead of making again.
 * The Spark driver implements it; a method never sees Spark.
 */
public interface CompressionRun {
    /** The model compressed, as stored (its plan: the identity). */
    StoredModel original();

    /** Its config. */
    LlamaConfig config();

    /** The config of another model (read alone, without its weights). */
    LlamaConfig configOf(String model);

    /** The original's scores on the calibration windows (with PPL-drop when the method needs it). */
    LayerScores originalScores();

    /**
     * The scores of {@code model} on the calibration windows, stored under the name {@code name} with the step
     * column {@code step}; a rerun reads them back.
     */
    LayerScores scores(String name, String model, int step, boolean pplDrop);

    /**
     * Sums a statistic of {@code model} over the calibration windows: each partition of the windows runs on an
     * executor, the model loaded once per executor; the driver adds the partial sums.
     */
    <S extends WindowStatistic<S>> S accumulate(String model, WindowStatistic.Factory<S> empty);

    /** The weights of a model (the original, or one the run stored), loaded. */
    Checkpoint read(String model);

    /** The weights of a model where they are stored, read only when written or asked for: a model of any size. */
    dev.strata.pipeline.model.StoredWeights open(String model);

    /** The model stored as {@code name}: made by {@code make} unless the run has it, else read back. */
    StoredModel model(String name, Supplier<Compressed> make);

    /**
     * Trains layers of {@code student} against the original model (the teacher), every task in its own Spark task,
     * and stores the student with the trained layers as {@code name}, its losses recorded; a rerun reads it back.
     *
     * @param samples training windows drawn from the calibration text (seeded as the calibration windows), null for
     *     the calibration windows themselves
     */
    StoredModel train(String name, StoredModel student, List<TrainingTask> tasks, Integer samples);

    /**
     * Runs {@code tasks} where the models are, each in its own Spark task (their models loaded once per executor),
     * and returns their results in the order of the tasks.
     *
     * @param label names the work in progress lines
     */
    <R extends java.io.Serializable> List<R> runTasks(String label, List<? extends ModelTask<R>> tasks);

    /**
     * A step of the method whose product is its record alone (a round of a search): made by {@code work} unless the
     * run has it, else read back, so that a rerun continues where the last one stopped.
     */
    com.fasterxml.jackson.databind.JsonNode step(String name, Supplier<com.fasterxml.jackson.databind.node.ObjectNode> work);

    /**
     * Writes {@code rows} (column name to an Integer, Long, Double, Boolean or String; every row the same columns) as
     * the part {@code part} of the Parquet table search/{@code table}, a Hive-style partition ("round=0003") so that
     * the table reads whole with a column per partition key. Call it within a {@link #step}, whose files it joins.
     */
    void writeTablePart(String table, String part, List<java.util.Map<String, Object>> rows);

    /** Fits the surrogate models of a Bayesian search (random forests). */
    dev.strata.pipeline.tailor.Surrogate.Fitter surrogates();

    /** The address of a model a method is given by name or folder (a recipe's variant by its name, or a folder). */
    String modelNamed(String nameOrFolder);

    /**
     * Adds the method's own section to the run's report (OUT/reports/METHOD.md and .html, and a recipe's report).
     * Call it on every run, reused stages included: the report is written from what this run holds.
     */
    void report(ReportSection section);
}
