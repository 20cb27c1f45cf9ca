package dev.strata.pipeline.train;

import dev.strata.pipeline.StrataException;
import java.util.Locale;

/** How a replacement for a pruned block learns (LLM-Streamline). */
public enum ReplacementLoss {
    /** Its output against the teacher's hidden state after the block, given the one before (mean squared error). */
    MSE,
    /** The next-token loss of the whole model, only the replacement trained. */
    LM;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ReplacementLoss parse(String id, String option) {
        for (ReplacementLoss l : values()) {
            if (l.id().equals(id)) {
                return l;
            }
        }
        throw new StrataException(option + " '" + id + "' is not known (expected one of mse, lm)");
    }
}
