package dev.strata.pipeline.compress;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.Metric;

/**
 * LLM-Streamline's choice of the block to prune: of the blocks of {@code length} consecutive layers j .. j+length-1,
 * the one whose input and output hidden states are most alike, i.e. the highest mean cosine cos(h_j, h_{j+length})
 * over the calibration tokens (ties to the lower start).
 *
 * @param cosine the block's mean cosine
 */
public record StreamlineBlock(int start, int length, double cosine) implements java.io.Serializable {

    /** The block among a model of {@code layers} layers; {@code option} names the length in errors. */
    public static StreamlineBlock choose(LayerScores scores, int layers, int length, String option) {
        if (length < 1 || length >= layers) {
            throw new StrataException(option + " " + length + " must lie in 1.." + (layers - 1) + " (the model has "
                    + layers + " layers, and at least one must stay)");
        }
        int best = -1;
        double bestCosine = Double.NEGATIVE_INFINITY;
        for (int j = 0; j + length <= layers; j++) {
            double c = scores.block(Metric.COSINE, j, length);
            if (Double.isNaN(c)) {
                throw new StrataException("the scores have no " + Metric.COSINE.id() + " value for the block of "
                        + length + " layer(s) starting at " + j);
            }
            if (c > bestCosine) {
                best = j;
                bestCosine = c;
            }
        }
        return new StreamlineBlock(best, length, bestCosine);
    }

    /** One past the block's last layer: the teacher layer count whose output the replacement stands for. */
    public int end() {
        return start + length;
    }
}
