package dev.strata.pipeline.tailor;

import dev.strata.pipeline.StrataException;
import java.util.ArrayList;
import java.util.List;

/**
 * The bookkeeping every optimiser shares: told trials in order, pending proposals, and the next round's index, which
 * after a replay follows the last told round so that a rerun draws the randomness the first run would have.
 */
final class Ledger {
    private final List<Trial> told = new ArrayList<>();
    private final List<Proposal> pending = new ArrayList<>();
    private int nextRound;

    /** The index of the round starting now. */
    int startRound() {
        return nextRound++;
    }

    void asked(Proposal p) {
        pending.add(p);
    }

    /** Records the trial; returns its position in the told order. */
    int told(Proposal p, Result r) {
        if (told.stream().anyMatch(t -> t.proposal().equals(p))) {
            throw new StrataException("trial " + p.id() + " was already told");
        }
        pending.remove(p);
        told.add(new Trial(p, r));
        nextRound = Math.max(nextRound, p.round() + 1);
        return told.size() - 1;
    }

    List<Trial> toldSoFar() {
        return told;
    }

    History history() {
        return new History(told, pending);
    }
}
