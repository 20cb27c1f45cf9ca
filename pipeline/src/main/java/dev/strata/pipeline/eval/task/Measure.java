package dev.strata.pipeline.eval.task;

import java.util.Locale;

/** The figures a task reports, named as lm-evaluation-harness names them. */
public enum Measure {
    /** Share of examples whose gold option has the highest summed log-likelihood. */
    ACC,
    /** As {@link #ACC}, with each option's log-likelihood divided by its length in characters. */
    ACC_NORM,
    /** Share of examples whose continuation is the model's greedy choice, token by token (LAMBADA). */
    ACC_GREEDY,
    /** exp(-mean over examples of the continuation's log-likelihood) (LAMBADA). */
    PERPLEXITY,
    /** exp(total negative log-likelihood / predicted tokens) over non-overlapping windows (text). */
    TOKEN_PERPLEXITY;

    /** The name in tables: lm-eval's ("acc", "acc_norm", "perplexity"; greedy accuracy is lm-eval's "acc"). */
    public String id() {
        return switch (this) {
            case ACC, ACC_GREEDY -> "acc";
            case ACC_NORM -> "acc_norm";
            case PERPLEXITY -> "perplexity";
            case TOKEN_PERPLEXITY -> "token_perplexity";
        };
    }

    /** True when higher is better. */
    public boolean higherIsBetter() {
        return this != PERPLEXITY && this != TOKEN_PERPLEXITY;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
