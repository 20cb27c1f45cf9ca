package dev.strata.pipeline.compress;

import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.Metric;
import dev.strata.pipeline.util.Choices;

/** How CoMe chooses the adjacent pair (j, j+1) to merge: the pair with the lowest score. */
public enum PairMetric {
    /** arccos(cos(h_j, h_{j+2})) / pi on each sequence's last token: the pair that changes the stream least. */
    ANGULAR,
    /** BI_j + BI_{j+1}: the two layers that change the stream least. */
    BI,
    /** PPL-drop of layer j plus that of layer j+1 (SLEB scores; the calibration pass must compute them). */
    PPL_DROP;

    /** The name on the command line and in recipes, e.g. "ppl-drop". */
    public String id() {
        return Choices.id(this);
    }

    /** True when the calibration pass must also compute PPL-drop. */
    public boolean needsPplDrop() {
        return this == PPL_DROP;
    }

    /** The score of pair (j, j+1); NaN when the scores lack it. */
    public double score(LayerScores scores, int j) {
        return switch (this) {
            case ANGULAR -> scores.layer(Metric.PAIR_ANGULAR_LAST, j);
            case BI -> scores.layer(Metric.BLOCK_INFLUENCE, j) + scores.layer(Metric.BLOCK_INFLUENCE, j + 1);
            case PPL_DROP -> scores.layer(Metric.PPL_DROP, j) + scores.layer(Metric.PPL_DROP, j + 1);
        };
    }
}
