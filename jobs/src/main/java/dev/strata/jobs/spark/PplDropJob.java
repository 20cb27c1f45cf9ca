package dev.strata.jobs.spark;

import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.eval.Perplexity;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.score.LayerScores.LayerScore;
import dev.strata.pipeline.score.Metric;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * SLEB-style importance: the perplexity of the model with one layer removed, one Spark task per layer (and one
 * for the whole model), each on the same evaluation windows. A layer's score is the perplexity without it minus
 * the whole model's: a small drop marks a layer that can go.
 */
public final class PplDropJob {
    private PplDropJob() {
    }

    /** @param full the whole model's perplexity on the evaluation windows */
    public record Result(double full, List<LayerScore> drops) {
    }

    /** The perplexity of each of {@code models} on {@code windows}, one Spark task per model, in their order. */
    public static List<Double> perplexities(SparkSession spark, List<String> models, List<int[]> windows, int batch) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<List<int[]>> shared = jsc.broadcast(new ArrayList<>(windows));
        List<Double> ppl = jsc.parallelize(models, models.size()).map(model -> {
            TaskResources.useTaskThreads();
            try (ModelCache.Lease lease = ModelCache.acquire(model, TaskResources.device())) {
                return Perplexity.evaluateWindows(lease.model(), shared.value(), batch).perplexity();
            }
        }).collect();
        shared.destroy();
        return ppl;
    }

    /** @param windows the evaluation windows (ascending ids), shipped to every task once */
    public static Result run(SparkSession spark, String model, int layers, List<TokenWindow> windows, int batch) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<List<int[]>> shared = jsc.broadcast(new ArrayList<>(windows.stream().map(TokenWindow::tokens).toList()));
        List<Integer> candidates = IntStream.range(-1, layers).boxed().toList();
        List<Tuple2<Integer, Double>> ppl = jsc.parallelize(candidates, candidates.size()).map(layer -> {
            TaskResources.useTaskThreads();
            try (ModelCache.Lease lease = ModelCache.acquire(model, TaskResources.device())) {
                LlamaModel candidate = layer < 0 ? lease.model() : lease.model().withoutLayer(layer);
                return new Tuple2<>(layer, Perplexity.evaluateWindows(candidate, shared.value(), batch).perplexity());
            }
        }).collect();
        shared.destroy();
        Map<Integer, Double> byLayer = new TreeMap<>();
        ppl.forEach(t -> byLayer.put(t._1(), t._2()));
        double full = byLayer.get(-1);
        List<LayerScore> drops = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            drops.add(new LayerScore(l, Metric.PPL_DROP, byLayer.get(l) - full));
        }
        return new Result(full, drops);
    }
}
