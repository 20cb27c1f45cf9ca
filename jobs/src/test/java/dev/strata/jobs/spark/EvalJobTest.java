package dev.strata.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.eval.Metrics;
import dev.strata.pipeline.eval.OptionScore;
import dev.strata.pipeline.eval.Stability;
import dev.strata.pipeline.eval.TaskScorer;
import dev.strata.pipeline.eval.task.ChoiceTask;
import dev.strata.pipeline.eval.task.Tasks;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.testing.TinyModels;
import dev.strata.pipeline.tokenize.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The evaluation job on real Spark: rows, report, determinism, the text perplexity figure. */
class EvalJobTest {
    static final Path DATA = Path.of("../../shared/data").toAbsolutePath().normalize();
    static final String ORIGINAL = TinyModels.STORIES.toString();

    @TempDir
    static Path dir;
    static String pruned;
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = Sessions.start("local[2]", "test");
        Path without2 = dir.resolve("without-layer-2");
        ModelFolder.write(TinyModels.withoutLayer(ModelFolder.read(TinyModels.STORIES), 2), without2);
        pruned = without2.toString();
    }

    @AfterAll
    static void stop() {
        SparkSession.active().stop();
    }

    private static EvalJob.Result eval(String out, String tasks, Integer limit, int shard, String... models) {
        return EvalJob.run(new EvalJob.Options(List.of(models), null, null, tasks, limit, DataHalf.ALL, DATA.toString(), dir.resolve(out).toString(),
                2048, shard, null), () -> spark);
    }

    private static List<OptionScore> rows(String out, String model, String task) {
        List<OptionScore> rows = new ArrayList<>();
        for (Row r : spark.read().parquet(dir.resolve(out).resolve(EvalJob.LOGLIK).toString())
                .where("task = '" + task + "' AND model = '" + model + "'").collectAsList()) {
            rows.add(new OptionScore(r.getString(1), r.getInt(2), r.getInt(3), r.getDouble(4), r.getInt(5), r.getInt(6),
                    r.getBoolean(7), r.getBoolean(8)));
        }
        return rows;
    }

    @Test
    void sparkRowsEqualLocalScoringAndTheReportDerivesFromThem() throws Exception {
        EvalJob.Result r = eval("two-models", "copa,hellaswag,lambada", 24, 7, ORIGINAL, pruned);
        String original = "file:" + ORIGINAL;
        String compressed = "file:" + pruned;
        JsonNode report = new ObjectMapper().readTree(dir.resolve("two-models/eval/report.json").toFile());
        try (LlamaModel model = LlamaModel.load(TinyModels.STORIES, Device.cpu());
                Tokenizer tokenizer = Tokenizer.load(TinyModels.STORIES, model.config())) {
            for (String name : List.of("copa", "hellaswag", "lambada")) {
                ChoiceTask task = (ChoiceTask) Tasks.parse(name).get(0);
                List<OptionScore> local = new TaskScorer(model, tokenizer, 2048).score(task, task.read(DATA).subList(0, 24));
                List<OptionScore> distributed = rows("two-models", original, name);
                distributed.sort(java.util.Comparator.comparingInt(OptionScore::example).thenComparingInt(OptionScore::option));
                assertEquals(local.size(), distributed.size(), name);
                for (int i = 0; i < local.size(); i++) {
                    assertEquals(local.get(i).loglik(), distributed.get(i).loglik(), 1e-4 * Math.abs(local.get(i).loglik()),
                            name + " row " + i);
                    assertEquals(local.get(i).gold(), distributed.get(i).gold());
                    assertEquals(local.get(i).tokens(), distributed.get(i).tokens());
                }
                Metrics.Value acc = Metrics.compute(task, distributed).get(0);
                assertEquals(acc.value(), report.at("/models/0/tasks/" + name + "/" + acc.measure().id() + "/value").asDouble(), 1e-12);
            }
        }
        double stability = Stability.compute(rows("two-models", original, "copa"), rows("two-models", compressed, "copa"));
        assertEquals(stability, report.at("/models/1/tasks/copa/stability").asDouble(), 1e-12);
        assertTrue(stability > 0 && stability <= 1);
        assertTrue(report.at("/models/1/parameters").asLong() < report.at("/models/0/parameters").asLong());
        assertTrue(r.markdown().contains("## Compared with the original"), r.markdown());
        assertTrue(Files.readString(dir.resolve("two-models/eval/report.html")).contains("Retained accuracy"));

        EvalJob.Result again = eval("two-models", "copa,hellaswag,lambada", 24, 7, ORIGINAL, pruned);
        assertTrue(again.loglikReused());
        assertEquals(r.markdown(), again.markdown());
    }

    @Test
    void rowsDoNotDependOnMasterOrSharding() {
        eval("local2", "copa,winogrande", 20, 3, ORIGINAL);
        List<OptionScore> two = rows("local2", "file:" + ORIGINAL, "winogrande");
        spark.stop();
        spark = Sessions.start("local[1]", "test");
        eval("local1", "copa,winogrande", 20, 20, ORIGINAL);
        List<OptionScore> one = rows("local1", "file:" + ORIGINAL, "winogrande");
        spark.stop();
        spark = Sessions.start("local[2]", "test");
        java.util.Comparator<OptionScore> order = java.util.Comparator.comparingInt(OptionScore::example)
                .thenComparingInt(OptionScore::option);
        two.sort(order);
        one.sort(order);
        assertEquals(40, one.size());
        assertEquals(one, two);
    }

    @Test
    void tinyStoriesPerplexityEqualsThePplCommandsFigure() throws Exception {
        eval("text", "tinystories", null, 128, ORIGINAL);
        JsonNode report = new ObjectMapper().readTree(dir.resolve("text/eval/report.json").toFile());
        assertEquals(5.0384, report.at("/models/0/tasks/tinystories/token_perplexity/value").asDouble(), 0.001);
        assertEquals(560, report.at("/models/0/tasks/tinystories/token_perplexity/examples").asInt());
        assertFalse(report.at("/models/0/tasks/tinystories/token_perplexity/stderr").isNumber());
    }
}
