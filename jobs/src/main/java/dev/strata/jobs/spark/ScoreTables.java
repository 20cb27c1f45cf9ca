package dev.strata.jobs.spark;

import dev.strata.jobs.io.HadoopFiles;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.Metric;
import java.util.List;
import java.util.function.Function;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Writes scores as the three Parquet tables users open in a notebook: layer_scores(run_id, model, step, layer,
 * metric, value), block_scores(run_id, model, step, start, length, metric, value) and channel_scores(run_id, model,
 * step, layer, kind, index, value). The step is the merge step the model was scored at (0 for the original).
 */
public final class ScoreTables {
    public static final String LAYER = "layer_scores";
    public static final String BLOCK = "block_scores";
    public static final String CHANNEL = "channel_scores";

    static final StructType LAYER_SCHEMA = keyed()
            .add("layer", DataTypes.IntegerType, false)
            .add("metric", DataTypes.StringType, false)
            .add("value", DataTypes.DoubleType, false);
    static final StructType BLOCK_SCHEMA = keyed()
            .add("start", DataTypes.IntegerType, false)
            .add("length", DataTypes.IntegerType, false)
            .add("metric", DataTypes.StringType, false)
            .add("value", DataTypes.DoubleType, false);
    static final StructType CHANNEL_SCHEMA = keyed()
            .add("layer", DataTypes.IntegerType, false)
            .add("kind", DataTypes.StringType, false)
            .add("index", DataTypes.IntegerType, false)
            .add("value", DataTypes.DoubleType, false);

    private ScoreTables() {
    }

    private static StructType keyed() {
        return new StructType().add("run_id", DataTypes.StringType, false).add("model", DataTypes.StringType, false)
                .add("step", DataTypes.IntegerType, false);
    }

    /** Writes the three tables under {@code dir}; {@code step} is the merge step the scores were taken at (0: the original model). */
    public static void write(SparkSession spark, LayerScores scores, String runId, String model, int step, Path dir) {
        write(spark, scores.layers(), s -> RowFactory.create(runId, model, step, s.layer(), s.metric().id(), s.value()),
                LAYER_SCHEMA, new Path(dir, LAYER));
        write(spark, scores.blocks(), s -> RowFactory.create(runId, model, step, s.start(), s.length(), s.metric().id(),
                s.value()), BLOCK_SCHEMA, new Path(dir, BLOCK));
        write(spark, scores.channels(), s -> RowFactory.create(runId, model, step, s.layer(), s.kind().id(), s.index(),
                s.value()), CHANNEL_SCHEMA, new Path(dir, CHANNEL));
    }

    /**
     * The block scores of {@code metric} of {@code model} in the block_scores table under {@code dir} (as written by
     * {@link #write}), under dir/scores (a calibration run) or under dir/scores/step-000 (a merge, prune or
     * streamline run: the original model's scores). Tables of another model are refused.
     */
    public static List<LayerScores.BlockScore> readBlocks(SparkSession spark, Path dir, Metric metric, String model) {
        org.apache.hadoop.conf.Configuration conf = HadoopFiles.configuration();
        Path table = new Path(dir, BLOCK);
        for (String inside : new String[] {"scores/", "scores/step-000/"}) {
            Path candidate = new Path(dir, inside + BLOCK);
            if (!HadoopFiles.exists(table, conf) && HadoopFiles.exists(candidate, conf)) {
                table = candidate;
            }
        }
        if (!HadoopFiles.exists(table, conf)) {
            throw new StrataException(HadoopFiles.display(dir) + ": no " + BLOCK + " table (not a finished scoring run?)");
        }
        List<Row> rows = spark.read().parquet(table.toString()).filter(functions.col("metric").equalTo(metric.id()))
                .orderBy("length", "start").collectAsList();
        for (Row r : rows) {
            String scored = r.getString(r.fieldIndex("model"));
            if (!scored.equals(model)) {
                throw new StrataException(HadoopFiles.display(dir) + ": the scores are of " + scored + ", not of " + model);
            }
        }
        return rows.stream().map(r -> new LayerScores.BlockScore(r.getInt(r.fieldIndex("start")),
                r.getInt(r.fieldIndex("length")), metric, r.getDouble(r.fieldIndex("value")))).toList();
    }

    private static <T> void write(SparkSession spark, List<T> rows, Function<T, Row> toRow, StructType schema, Path path) {
        List<Row> data = rows.stream().map(toRow).toList();
        spark.createDataFrame(data, schema).coalesce(1).write().parquet(path.toString());
    }
}
