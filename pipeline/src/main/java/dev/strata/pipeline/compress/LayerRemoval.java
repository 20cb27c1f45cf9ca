package dev.strata.pipeline.compress;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.Metric;
import dev.strata.pipeline.util.Choices;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/** One-shot layer removal baselines: remove the layers with the lowest score. */
public enum LayerRemoval {
    /** ShortGPT: the lowest block influence. */
    BI(Metric.BLOCK_INFLUENCE),
    /** SLEB's score in one shot: the lowest perplexity increase when the layer alone is removed. */
    PPL_DROP(Metric.PPL_DROP);

    private final Metric metric;

    LayerRemoval(Metric metric) {
        this.metric = metric;
    }

    public String id() {
        return Choices.id(this);
    }

    /** The score whose lowest values are removed. */
    public Metric metric() {
        return metric;
    }

    public boolean needsPplDrop() {
        return this == PPL_DROP;
    }

    /** The {@code count} layers with the lowest score (ties to the lower index), ascending. */
    public List<Integer> choose(LayerScores scores, int layers, int count) {
        double[] values = IntStream.range(0, layers).mapToDouble(l -> scores.layer(metric, l)).toArray();
        for (int l = 0; l < layers; l++) {
            if (Double.isNaN(values[l])) {
                throw new StrataException("the scores have no " + metric.id() + " value for layer " + l);
            }
        }
        return IntStream.range(0, layers).boxed()
                .sorted(Comparator.<Integer>comparingDouble(l -> values[l]).thenComparingInt(l -> l))
                .limit(count).sorted().toList();
    }
}
