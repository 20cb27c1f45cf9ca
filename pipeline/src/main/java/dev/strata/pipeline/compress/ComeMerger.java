package dev.strata.pipeline.compress;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.LayerScores.ChannelKind;
import dev.strata.pipeline.score.LayerScores.ChannelScore;
import dev.strata.pipeline.score.Metric;
import dev.strata.pipeline.surgery.ChannelChoice;
import dev.strata.pipeline.surgery.ConcatMerge;
import dev.strata.pipeline.surgery.LayerSurgery;
import dev.strata.pipeline.surgery.LayerWeights;

/**
 * One step of CoMe's progressive merging: given the current model and its scores on the calibration data, merge
 * the adjacent pair with the lowest pair score by concatenation (width split by block influence, channels by
 * sensitivity) and record the step in the plan.
 *
 * @param noRemerge never merge a layer that is itself a merge result
 */
public record ComeMerger(PairMetric pairMetric, boolean noRemerge) {
    /** The method its steps are recorded under in a plan. */
    public static final String METHOD = "come";

    /** The merged model and the plan that describes it. */
    public record Result(ModelWeights model, Plan plan, MergeStep step) {
    }

    /** The index j of the pair (j, j+1) to merge next. */
    public int choosePair(LayerScores scores, Plan plan) {
        int layers = plan.layers().size();
        int best = -1;
        double bestScore = Double.POSITIVE_INFINITY;
        for (int j = 0; j + 1 < layers; j++) {
            if (noRemerge && (plan.layers().get(j).isMerged() || plan.layers().get(j + 1).isMerged())) {
                continue;
            }
            double s = pairMetric.score(scores, j);
            if (Double.isNaN(s)) {
                throw new StrataException("the scores have no " + pairMetric.id() + " value for layers " + j + " and "
                        + (j + 1) + (pairMetric.needsPplDrop() ? " (they were scored without PPL-drop)" : ""));
            }
            if (s < bestScore) {
                best = j;
                bestScore = s;
            }
        }
        if (best < 0) {
            throw new StrataException("no adjacent pair of unmerged layers is left to merge (no_remerge); "
                    + "remove fewer layers or allow merged layers to merge again");
        }
        return best;
    }

    /** Merges the chosen pair of {@code model}, whose scores are {@code scores} and whose plan is {@code plan}. */
    public Result step(ModelWeights model, LayerScores scores, Plan plan) {
        LlamaConfig c = model.config();
        if (plan.layers().size() != c.numLayers()) {
            throw new StrataException("the plan describes " + plan.layers().size() + " layers but the model has "
                    + c.numLayers());
        }
        int a = choosePair(scores, plan);
        double biA = scores.layer(Metric.BLOCK_INFLUENCE, a);
        double biB = scores.layer(Metric.BLOCK_INFLUENCE, a + 1);
        ChannelChoice choice = ChannelChoice.come(biA, biB, sensitivity(scores, c, a), sensitivity(scores, c, a + 1));
        LayerWeights merged = ConcatMerge.merge(c, LayerWeights.of(model, a), LayerWeights.of(model, a + 1), choice);
        LayerOrigin origin = LayerOrigin.concat(plan.layers().get(a), choice.groupsA(), choice.neuronsA(),
                plan.layers().get(a + 1), choice.groupsB(), choice.neuronsB());
        MergeStep step = new MergeStep(a, plan.layers().get(a).originalLayers(),
                plan.layers().get(a + 1).originalLayers(), pairMetric.id(), pairMetric.score(scores, a), biA, biB,
                choice.ratioA(), choice.groupsA().length, choice.groupsB().length, choice.neuronsA().length,
                choice.neuronsB().length);
        return new Result(LayerSurgery.replacePair(model, a, merged), plan.replace(a, 2, origin, METHOD, step.toJson()),
                step);
    }

    /** The channel sensitivities of one layer from the score table. */
    static ChannelChoice.Sensitivity sensitivity(LayerScores scores, LlamaConfig c, int layer) {
        double[] groups = filled(c.numKvHeads());
        double[] neurons = filled(c.intermediateSize());
        for (ChannelScore s : scores.channels()) {
            if (s.layer() == layer) {
                (s.kind() == ChannelKind.ATTENTION ? groups : neurons)[s.index()] = s.value();
            }
        }
        for (double v : groups) {
            if (Double.isNaN(v)) {
                throw new StrataException("the scores lack channel sensitivities of layer " + layer);
            }
        }
        for (double v : neurons) {
            if (Double.isNaN(v)) {
                throw new StrataException("the scores lack channel sensitivities of layer " + layer);
            }
        }
        return new ChannelChoice.Sensitivity(groups, neurons);
    }

    private static double[] filled(int n) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, Double.NaN);
        return a;
    }
}
