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
    /** The layer and block scores as one JSON document beside the tables, for people and notebooks. */
    public static final String SUMMARY = "summary.json";

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
     * The folder holding score tables among {@code dir}, {@code dir}/scores/original (a run folder), and the layouts of
     * earlier versions ({@code dir}/scores/step-000, {@code dir}/scores); null when none has them.
     */
    public static Path locate(Path dir, org.apache.hadoop.conf.Configuration conf) {
        for (String inside : new String[] {"", RunLayout.scores(RunLayout.ORIGINAL), "scores/step-000", "scores"}) {
            Path candidate = inside.isEmpty() ? dir : new Path(dir, inside);
            if (HadoopFiles.exists(new Path(candidate, LAYER), conf)) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * The scores in {@code dir} (the three tables and summary.json, as {@link #write} and the run write them), which
     * must be those of {@code model}: tables of another model are refused.
     */
    public static LayerScores read(SparkSession spark, Path dir, String model) {
        org.apache.hadoop.conf.Configuration conf = HadoopFiles.configuration();
        List<Row> layerRows = spark.read().parquet(new Path(dir, LAYER).toString()).collectAsList();
        for (Row r : layerRows) {
            String scored = r.getString(r.fieldIndex("model"));
            if (!scored.equals(model)) {
                throw new StrataException(HadoopFiles.display(dir) + ": the scores are of " + scored + ", not of " + model);
            }
        }
        List<LayerScores.LayerScore> layers = layerRows.stream().map(r -> new LayerScores.LayerScore(
                r.getInt(r.fieldIndex("layer")), metric(r), r.getDouble(r.fieldIndex("value")))).toList();
        List<LayerScores.BlockScore> blocks = spark.read().parquet(new Path(dir, BLOCK).toString()).collectAsList()
                .stream().map(r -> new LayerScores.BlockScore(r.getInt(r.fieldIndex("start")),
                        r.getInt(r.fieldIndex("length")), metric(r), r.getDouble(r.fieldIndex("value")))).toList();
        List<LayerScores.ChannelScore> channels = spark.read().parquet(new Path(dir, CHANNEL).toString())
                .collectAsList().stream().map(r -> new LayerScores.ChannelScore(r.getInt(r.fieldIndex("layer")),
                        kind(r.getString(r.fieldIndex("kind"))), r.getInt(r.fieldIndex("index")),
                        r.getDouble(r.fieldIndex("value")))).toList();
        com.fasterxml.jackson.databind.JsonNode summary;
        Path file = new Path(dir, SUMMARY);
        try {
            summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(HadoopFiles.readText(file, conf, ""));
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new StrataException(HadoopFiles.display(file) + ": not valid JSON: " + ex.getOriginalMessage());
        }
        return new LayerScores(layers, blocks, channels, summary.path("tokens").asLong(), summary.path("windows").asLong());
    }

    private static Metric metric(Row r) {
        String id = r.getString(r.fieldIndex("metric"));
        for (Metric m : Metric.values()) {
            if (m.id().equals(id)) {
                return m;
            }
        }
        throw new StrataException("score tables: unknown metric '" + id + "'");
    }

    private static LayerScores.ChannelKind kind(String id) {
        for (LayerScores.ChannelKind k : LayerScores.ChannelKind.values()) {
            if (k.id().equals(id)) {
                return k;
            }
        }
        throw new StrataException("score tables: unknown channel kind '" + id + "'");
    }

    /**
     * Writes one table as Parquet at {@code path} and, from the same rows, as TABLE.csv beside it: the notebook and
     * pandas read the CSV where pyarrow is missing (Debian 12 has no package of it).
     */
    private static <T> void write(SparkSession spark, List<T> rows, Function<T, Row> toRow, StructType schema, Path path) {
        List<Row> data = rows.stream().map(toRow).toList();
        spark.createDataFrame(data, schema).coalesce(1).write().parquet(path.toString());
        Path csv = new Path(path.getParent(), path.getName() + ".csv");
        try (org.apache.hadoop.fs.FSDataOutputStream out = csv.getFileSystem(spark.sparkContext().hadoopConfiguration())
                .create(csv, true)) {
            out.write(csv(schema, data).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException ex) {
            throw HadoopFiles.failure(csv, "write", ex);
        }
    }

    /** RFC 4180 CSV with a header of the schema's names; doubles written in full (shortest exact decimal). */
    static String csv(StructType schema, List<Row> rows) {
        StringBuilder s = new StringBuilder(String.join(",", schema.fieldNames())).append('\n');
        for (Row r : rows) {
            for (int i = 0; i < r.length(); i++) {
                if (i > 0) {
                    s.append(',');
                }
                Object v = r.get(i);
                String text = String.valueOf(v);
                boolean quote = v instanceof String && (text.contains(",") || text.contains("\"") || text.contains("\n"));
                s.append(quote ? '"' + text.replace("\"", "\"\"") + '"' : text);
            }
            s.append('\n');
        }
        return s.toString();
    }
}
