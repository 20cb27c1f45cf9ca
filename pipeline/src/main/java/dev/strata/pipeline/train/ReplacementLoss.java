package dev.strata.pipeline.train;

import dev.strata.pipeline.util.Choices;

/** How a replacement for a pruned block learns (LLM-Streamline). */
public enum ReplacementLoss {
    /** Its output against the teacher's hidden state after the block, given the one before (mean squared error). */
    MSE,
    /** The next-token loss of the whole model, only the replacement trained. */
    LM;

    public String id() {
        return Choices.id(this);
    }
}
