package dev.strata.pipeline.eval;

import java.io.Serializable;

/**
 * One row of the log-likelihood table: an option of an example of a task (for text tasks, a window: option 0,
 * the window's tokens after the first), from which every metric is derived without running the model again.
 *
 * @param loglik summed log-likelihood of the option's tokens (nats)
 * @param tokens tokens scored
 * @param chars the option's length in characters (0 for text windows)
 * @param gold true for the correct option (always for LAMBADA and text windows)
 * @param greedy true when every token is the model's most likely one
 */
public record OptionScore(String task, int example, int option, double loglik, int tokens, int chars, boolean gold,
        boolean greedy) implements Serializable {
}
