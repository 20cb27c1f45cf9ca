package dev.strata.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipeline.compress.RunParams;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.Metric;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.testing.ReferenceLlama;
import dev.strata.pipeline.testing.ReferenceScores;
import dev.strata.pipeline.testing.ScoreAssertions;
import dev.strata.pipeline.testing.TinyModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scoring of a run (the original's scores, as strata calibrate writes them) on real Spark (local[1] and local[2])
 * against the plain-Java reference computation.
 */
class ScoringTest {
    static final String MODEL = TinyModels.STORIES.toString();
    static final int WINDOWS = 16;
    static final int SEQ_LEN = 512;
    static final int BATCH = 2;

    @TempDir
    static Path dir;
    static SparkSession spark;
    static RunDriver run;

    @BeforeAll
    static void calibrate() {
        spark = Sessions.start("local[2]", "test");
        Settings settings = Settings.fromFlags(RunParams.PARAMS, Map.of("--model", MODEL, "--data",
                TinyModels.TINYSTORIES_TEXT.toString(), "--seq-len", "" + SEQ_LEN, "--samples", "" + WINDOWS, "--seed",
                "99", "--batch", "" + BATCH, "--partitions", "3"));
        run = RunDriver.open(settings, dir.resolve("run").toString(), () -> spark);
        run.originalScores(false);
    }

    @AfterAll
    static void stop() {
        run.close();
        SparkSession.active().stop();
    }

    private static org.apache.hadoop.fs.Path windowsPath() {
        return run.folder().path(RunLayout.windows(WINDOWS));
    }

    @Test
    void scoresEqualTheReferenceComputationOnTinyStories() {
        Checkpoint cp = ModelFolder.read(TinyModels.STORIES);
        List<TokenWindow> windows = spark.read().parquet(windowsPath().toString()).orderBy("window").collectAsList()
                .stream().map(WindowTable::fromRow).toList();
        assertEquals(WINDOWS, windows.size());
        List<int[]> tokens = new ArrayList<>(windows.stream().map(TokenWindow::tokens).toList());
        LayerScores scores = Scoring.score(spark, MODEL, windowsPath(), WINDOWS, BATCH, 7).scores();
        ScoreAssertions.assertMatchesReference(new ReferenceScores(cp, tokens), cp.config(), tokens, scores, 1e-6);

        JsonNode summary = run.summary();
        assertEquals(WINDOWS * SEQ_LEN, summary.get("tokens").asLong());
        for (int l = 0; l < cp.config().numLayers(); l++) {
            assertEquals(scores.layer(Metric.BLOCK_INFLUENCE, l),
                    summary.path("layer_scores").path("block_influence").get(l).asDouble(), 1e-9);
        }
    }

    @Test
    void pplDropEqualsReferencePerplexityWithoutEachLayer() {
        Checkpoint cp = ModelFolder.read(TinyModels.STORIES);
        List<TokenWindow> windows = dev.strata.jobs.io.WindowFiles.of(windowsPath(), new org.apache.hadoop.conf.Configuration())
                .read(0, 3, new org.apache.hadoop.conf.Configuration());
        PplDropJob.Result drop = PplDropJob.run(spark, MODEL, 5, windows, 2);
        double full = referencePerplexity(cp, windows);
        assertEquals(full, drop.full(), 1e-5 * full);
        assertEquals(5, drop.drops().size());
        for (int l = 0; l < 5; l++) {
            double without = referencePerplexity(TinyModels.withoutLayer(cp, l), windows);
            assertEquals(Metric.PPL_DROP, drop.drops().get(l).metric());
            assertEquals(l, drop.drops().get(l).layer());
            assertEquals(without - full, drop.drops().get(l).value(), 1e-5 * without, "layer " + l);
        }
    }

    /** exp(mean NLL) of every window's tokens after the first, from the reference forward pass. */
    private static double referencePerplexity(Checkpoint cp, List<TokenWindow> windows) {
        ReferenceLlama model = new ReferenceLlama(cp, false);
        double nll = 0;
        long predicted = 0;
        for (TokenWindow w : windows) {
            double[][] logits = model.forward(w.tokens()).logits();
            for (int t = 0; t + 1 < w.tokens().length; t++) {
                double max = java.util.Arrays.stream(logits[t]).max().orElseThrow();
                double sum = java.util.Arrays.stream(logits[t]).map(v -> Math.exp(v - max)).sum();
                nll -= logits[t][w.tokens()[t + 1]] - max - Math.log(sum);
                predicted++;
            }
        }
        return Math.exp(nll / predicted);
    }

    @Test
    void parquetTablesHoldEveryScore() {
        String scores = run.folder().path(RunLayout.scores(RunLayout.ORIGINAL)).toString();
        Dataset<Row> layers = spark.read().parquet(scores + "/" + ScoreTables.LAYER);
        assertEquals(ScoreTables.LAYER_SCHEMA.simpleString(), layers.schema().simpleString());
        // 5 BI + 6 norms + 2 x 4 pair-skip
        assertEquals(5 + 6 + 8, layers.count());
        assertEquals(1, layers.select("run_id").distinct().count());
        assertEquals("run", layers.first().getString(0));
        Dataset<Row> blocks = spark.read().parquet(scores + "/" + ScoreTables.BLOCK);
        assertEquals(3 * (5 + 4 + 3 + 2), blocks.count());
        Dataset<Row> channels = spark.read().parquet(scores + "/" + ScoreTables.CHANNEL);
        assertEquals(5 * 172, channels.where("kind = 'mlp'").count());
        assertEquals(5 * 4, channels.where("kind = 'attention'").count());
        double bi2 = layers.where("metric = 'block_influence' AND layer = 2").first().<Double>getAs("value");
        assertEquals(0, layers.where("step != 0").count(), "a calibration run scores the original model: step 0");
        assertEquals(run.summary().path("layer_scores").path("block_influence").get(2).asDouble(), bi2, 0);
    }

    @Test
    void scoresDoNotDependOnMasterOrPartitioning() {
        List<LayerScores> results = new ArrayList<>();
        for (String master : new String[] {"local[2]", "local[1]"}) {
            SparkSession session = Sessions.start(master, "test");
            assertEquals(master, session.sparkContext().master());
            for (int partitions : new int[] {1, 3, 7}) {
                results.add(Scoring.score(session, MODEL, windowsPath(), WINDOWS, BATCH, partitions).scores());
            }
            session.stop();
        }
        spark = Sessions.start("local[2]", "test");
        for (LayerScores r : results.subList(1, results.size())) {
            ScoreAssertions.assertSameScores(results.get(0), r, 1e-9);
        }
        assertFalse(results.get(0).channels().isEmpty());
        assertTrue(results.get(0).tokens() == (long) WINDOWS * SEQ_LEN);
    }
}
