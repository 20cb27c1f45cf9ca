package dev.strata.pipeline.score;

import java.util.Locale;

/** The names of the scores Strata writes, as they appear in the Parquet tables and summary.json. */
public enum Metric {
    /** layer_scores, layer l: mean over tokens of 1 - cos(h_l, h_{l+1}) (ShortGPT, CoMe). */
    BLOCK_INFLUENCE,
    /** layer_scores, boundary l = 0..L: mean over tokens of the hidden state's L2 norm. */
    HIDDEN_NORM,
    /** layer_scores, layer j: arccos(cos(h_j, h_{j+2})) / pi on each sequence's last token (CoMe pair-skip). */
    PAIR_ANGULAR_LAST,
    /** layer_scores, layer j: as {@link #PAIR_ANGULAR_LAST}, averaged over all tokens. */
    PAIR_ANGULAR_ALL,
    /** layer_scores, layer l: perplexity without layer l minus the full model's perplexity (SLEB). */
    PPL_DROP,
    /** block_scores (start j, length n): mean over tokens of cos(h_j, h_{j+n}) (LLM-Streamline). */
    COSINE,
    /** block_scores: arccos(cos(h_j, h_{j+n})) / pi on each sequence's last token. */
    ANGULAR_LAST,
    /** block_scores: arccos(cos(h_j, h_{j+n})) / pi averaged over all tokens. */
    ANGULAR_ALL;

    /**
     * The last hidden-state boundary a layer row at {@code index} depends on (boundary b is the output of layer b-1),
     * or -1 for a score of the whole model (PPL-drop).
     */
    public int lastBoundary(int index) {
        return switch (this) {
            case BLOCK_INFLUENCE -> index + 1;
            case HIDDEN_NORM -> index;
            case PAIR_ANGULAR_LAST, PAIR_ANGULAR_ALL -> index + 2;
            default -> -1;
        };
    }

    /** The name in tables, e.g. "block_influence". */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
