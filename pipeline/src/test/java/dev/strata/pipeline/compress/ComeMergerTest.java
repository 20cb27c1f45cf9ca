package dev.strata.pipeline.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.LayerScores.ChannelKind;
import dev.strata.pipeline.score.LayerScores.ChannelScore;
import dev.strata.pipeline.score.LayerScores.LayerScore;
import dev.strata.pipeline.score.Metric;
import dev.strata.pipeline.surgery.LayerWeights;
import dev.strata.pipeline.testing.TinyModels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pair choice, the width split, channel provenance over two merges and the plan file, on hand-made scores. */
class ComeMergerTest {
    private final LlamaConfig config = TinyModels.config(4, 2, true); // 4 query heads, 2 KV heads, MLP 48

    @Test
    void mergesTheLowestPairSplitsByBlockInfluenceAndTracksOriginalChannels() {
        Checkpoint model = TinyModels.random(config, 9, DType.F32);
        Plan plan = Plan.identity(config);
        // pair (1, 2) has the lowest angular distance; BI 0.375 and 0.125 give r_a = 0.75
        LayerScores scores = scores(new double[] {0.5, 0.2, 0.4}, new double[] {0.4, 0.375, 0.125, 0.6}, 4);
        ComeMerger come = new ComeMerger(PairMetric.ANGULAR, false);
        ComeMerger.Result r = come.step(model, scores, plan);
        assertEquals(1, r.step().pair());
        assertEquals(0.75, r.step().ratioA(), 1e-12);
        assertEquals(2, r.step().kvGroupsA()); // rint(0.75 * 2) = 2 (1.5 rounds to even)
        assertEquals(0, r.step().kvGroupsB());
        assertEquals(36, r.step().mlpNeuronsA());
        assertEquals(12, r.step().mlpNeuronsB());
        assertEquals(3, r.model().config().numLayers());
        // layers 0 and 3 of the original are layers 0 and 2 now, untouched
        assertArrayEquals(model.tensor(LayerTensor.Q_PROJ.name(3)).toFloatArray(),
                LayerWeights.of(r.model(), 2).get(LayerTensor.Q_PROJ).toFloatArray());
        LayerOrigin merged = r.plan().layers().get(1);
        assertEquals(List.of(1, 2), merged.originalLayers());
        // neuron sensitivity in the hand-made scores is the neuron index: the top ones are the highest indices
        assertArrayEquals(java.util.stream.IntStream.range(12, 48).toArray(), merged.sources().get(0).mlpNeurons());
        assertArrayEquals(java.util.stream.IntStream.range(36, 48).toArray(), merged.sources().get(1).mlpNeurons());

        // second step on the 3-layer model: pair (0, 1) merges original 0 with the merged (1, 2)
        LayerScores next = scores(new double[] {0.1, 0.9}, new double[] {0.5, 0.5, 0.2}, 3);
        ComeMerger.Result r2 = come.step(r.model(), next, r.plan());
        LayerOrigin three = r2.plan().layers().get(0);
        assertEquals(List.of(0, 1, 2), three.originalLayers());
        assertArrayEquals(new int[] {0, 3}, r2.plan().group(0));
        assertArrayEquals(new int[] {3, 4}, r2.plan().group(1));
        // r_a = 0.5: 24 neurons from original 0, and the merged layer's top 24 (its channels 24..47), which map back
        // to original 1's neurons 36..47 and original 2's neurons 36..47
        assertEquals(24, three.sources().get(0).mlpNeurons().length);
        int[] fromOne = three.sources().get(1).mlpNeurons();
        int[] fromTwo = three.sources().get(2).mlpNeurons();
        assertEquals(24, fromOne.length + fromTwo.length);
        assertArrayEquals(java.util.stream.IntStream.range(36, 48).toArray(), fromTwo);
        assertArrayEquals(java.util.stream.IntStream.range(36, 48).toArray(), fromOne);

        Plan back = Plan.parse(r2.plan().toJson(), "plan.json");
        assertEquals(r2.plan(), back);
        assertEquals(LayerOrigin.Kind.CONCAT_MERGE, back.layers().get(0).kind());
        assertEquals(2, back.steps().size());
        assertEquals("come", back.steps().get(1).method());
        assertEquals(0, back.steps().get(1).parameters().get("pair").asInt());
        assertEquals("[0]", back.steps().get(1).parameters().get("original_a").toString());
        assertEquals("[1,2]", back.steps().get(1).parameters().get("original_b").toString());
    }

    @Test
    void noRemergeSkipsMergedLayersAndTheMetricMustBePresent() {
        Plan plan = Plan.identity(config);
        // the middle layer of three is a merge result: every pair touches it
        LayerOrigin merged = LayerOrigin.concat(plan.layers().get(1), new int[] {0}, new int[] {0}, plan.layers().get(2),
                new int[] {1}, java.util.stream.IntStream.range(1, 48).toArray());
        Plan after = plan.replace(1, 2, merged, "come", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .objectNode());
        LayerScores scores = scores(new double[] {0.1, 0.5}, new double[] {0.3, 0.1, 0.2}, 3);
        assertEquals(0, new ComeMerger(PairMetric.ANGULAR, false).choosePair(scores, after));
        assertEquals(1, new ComeMerger(PairMetric.BI, false).choosePair(scores, after)); // BI sums: 0.3 + 0.1 (pair 0) > 0.1 + 0.2 (pair 1)
        StrataException none = assertThrows(StrataException.class,
                () -> new ComeMerger(PairMetric.ANGULAR, true).choosePair(scores, after));
        assertEquals("no adjacent pair of unmerged layers is left to merge (no_remerge); remove fewer layers or allow "
                + "merged layers to merge again", none.getMessage());
        StrataException missing = assertThrows(StrataException.class,
                () -> new ComeMerger(PairMetric.PPL_DROP, false).choosePair(scores, after));
        assertEquals("the scores have no ppl-drop value for layers 0 and 1 (they were scored without PPL-drop)",
                missing.getMessage());
    }

    /** Scores of a model with {@code layers} layers: pair angular distances, BI, and channel sensitivity = index. */
    private LayerScores scores(double[] angular, double[] bi, int layers) {
        List<LayerScore> rows = new ArrayList<>();
        for (int j = 0; j < angular.length; j++) {
            rows.add(new LayerScore(j, Metric.PAIR_ANGULAR_LAST, angular[j]));
        }
        for (int l = 0; l < bi.length; l++) {
            rows.add(new LayerScore(l, Metric.BLOCK_INFLUENCE, bi[l]));
        }
        List<ChannelScore> channels = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            for (int j = 0; j < config.intermediateSize(); j++) {
                channels.add(new ChannelScore(l, ChannelKind.MLP, j, j));
            }
            for (int g = 0; g < config.numKvHeads(); g++) {
                channels.add(new ChannelScore(l, ChannelKind.ATTENTION, g, g));
            }
        }
        return new LayerScores(rows, List.of(), channels, 100, 10);
    }
}
