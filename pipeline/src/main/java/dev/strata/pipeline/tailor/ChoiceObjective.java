package dev.strata.pipeline.tailor;

import dev.strata.pipeline.settings.Param;

/**
 * What the search minimises on a multiple-choice task (a text task always gives its perplexity relative to the
 * base's, see {@link TaskFigures#objective}).
 */
public enum ChoiceObjective {
    /** 1 - acc, GPTailor's objective: on a small budget it moves in steps of 1/examples, flat between them. */
    ERROR,
    /** Minus the mean over examples of the gold option's log-likelihood per token: continuous, ranks near ties. */
    GOLD_LOGLIK;

    public static final Param<ChoiceObjective> PARAM = Param.choice("objective", values(), ERROR,
            "Minimised on a choice task: error (1 - acc) or gold-loglik (minus the gold option's log-likelihood "
                + "per token).");
}
