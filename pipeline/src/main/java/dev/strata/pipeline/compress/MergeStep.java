package dev.strata.pipeline.compress;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * One merge of a progressive CoMe run: layers {@code pair} and {@code pair + 1} of the model before the step
 * (standing for {@code originalA} and {@code originalB}) became layer {@code pair}.
 *
 * @param pairMetric the score that chose the pair (e.g. "angular") and its value
 * @param blockInfluenceA BI of layer a on the calibration data, as {@code blockInfluenceB} of b
 * @param ratioA the share of the width layer a keeps, r_a = BI_a / (BI_a + BI_b)
 */
public record MergeStep(int pair, List<Integer> originalA, List<Integer> originalB, String pairMetric,
        double pairScore, double blockInfluenceA, double blockInfluenceB, double ratioA, int kvGroupsA, int kvGroupsB,
        int mlpNeuronsA, int mlpNeuronsB) {

    public MergeStep {
        originalA = List.copyOf(originalA);
        originalB = List.copyOf(originalB);
    }

    /** The step's parameters in the plan. */
    public ObjectNode toJson() {
        ObjectNode entry = JsonNodeFactory.instance.objectNode();
        entry.put("pair", pair);
        originalA.forEach(entry.putArray("original_a")::add);
        originalB.forEach(entry.putArray("original_b")::add);
        entry.put("pair_metric", pairMetric);
        entry.put("pair_score", pairScore);
        entry.put("block_influence_a", blockInfluenceA);
        entry.put("block_influence_b", blockInfluenceB);
        entry.put("ratio_a", ratioA);
        entry.put("kv_groups_a", kvGroupsA);
        entry.put("kv_groups_b", kvGroupsB);
        entry.put("mlp_neurons_a", mlpNeuronsA);
        entry.put("mlp_neurons_b", mlpNeuronsB);
        return entry;
    }
}
