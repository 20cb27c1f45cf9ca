package dev.strata.pipeline.tailor;

import java.util.List;

/**
 * An ask/tell search run by the driver: each round it asks for a batch, Spark evaluates it, every result is told
 * back. Implementations are a deterministic function of their settings, seed and the told trials in order: a fresh
 * optimiser told a previous run's trials asks what that run would have asked next.
 */
public interface Optimiser {

    /** The next {@code count} evaluations; each call is one round. */
    List<Proposal> ask(int count);

    /** The result of an evaluation, asked by this optimiser or replayed from an earlier run's records. */
    void tell(Proposal proposal, Result result);

    History history();
}
