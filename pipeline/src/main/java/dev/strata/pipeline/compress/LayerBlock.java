package dev.strata.pipeline.compress;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.Metric;

/**
 * A block of consecutive layers [start, start + length) chosen by a block score: of the blocks of that length, the
 * one whose input and output hidden states are most alike (the highest mean cosine cos(h_j, h_{j+length}) for
 * LLM-Streamline, the lowest angular distance or the highest cosine for ReplaceMe), ties to the lower start.
 *
 * @param score the chosen block's score
 */
public record LayerBlock(int start, int length, double score) implements java.io.Serializable {

    /** LLM-Streamline's block: the highest block cosine; {@code option} names the length in errors. */
    public static LayerBlock mostAlike(LayerScores scores, int layers, int length, String option) {
        return choose(scores, layers, length, Metric.COSINE, true, 0, option);
    }

    /**
     * The block of {@code length} among a model of {@code layers} layers, starting at {@code firstStart} or later,
     * with the highest (or lowest) {@code metric}.
     */
    public static LayerBlock choose(LayerScores scores, int layers, int length, Metric metric, boolean highestWins,
            int firstStart, String option) {
        int longest = layers - Math.max(1, firstStart);
        if (length < 1 || length > longest) {
            throw new StrataException(option + " " + length + " must lie in 1.." + longest + " (the model has " + layers
                    + " layers, and at least one must stay)");
        }
        int best = -1;
        double bestScore = Double.NaN;
        for (int j = firstStart; j + length <= layers; j++) {
            double s = scores.block(metric, j, length);
            if (Double.isNaN(s)) {
                throw new StrataException("the scores have no " + metric.id() + " value for the block of " + length
                        + " layer(s) starting at " + j);
            }
            if (best < 0 || (highestWins ? s > bestScore : s < bestScore)) {
                best = j;
                bestScore = s;
            }
        }
        return new LayerBlock(best, length, bestScore);
    }

    /** One past the block's last layer: the teacher layer count whose output the block's replacement stands for. */
    public int end() {
        return start + length;
    }
}
