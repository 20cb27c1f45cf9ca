package dev.strata.pipeline.tailor;

import java.io.Serializable;

/**
 * One evaluation an optimiser asks for: {@code genotype} on {@code budget} evaluation examples per task. The position
 * fields let a fresh optimiser rebuild its state from told trials: {@code round} is the ask that made it; {@code
 * bracket}, {@code stage} and {@code config} place it in successive halving (a configuration keeps its {@code config}
 * number as it is promoted). Searches without brackets use bracket = round, stage 0.
 */
public record Proposal(int round, int bracket, int stage, int config, int budget, Genotype genotype)
        implements Serializable {

    /** Readable key for records and logs, e.g. {@code r4.b2.s1.c3}. */
    public String id() {
        return "r" + round + ".b" + bracket + ".s" + stage + ".c" + config;
    }
}
