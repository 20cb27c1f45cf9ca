package dev.strata.pipeline.tailor;

import dev.strata.pipeline.StrataException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** The baseline: every round a fresh batch from the sampler, each evaluated on the full budget. */
public final class RandomSearch implements Optimiser {
    private final Sampler sampler;
    private final int budget;
    private final long seed;
    private final Ledger ledger = new Ledger();

    public RandomSearch(Sampler sampler, int budget, long seed) {
        if (budget < 1) {
            throw new StrataException("budget must be at least 1 example, got " + budget);
        }
        this.sampler = sampler;
        this.budget = budget;
        this.seed = seed;
    }

    @Override
    public List<Proposal> ask(int count) {
        int round = ledger.startRound();
        Random random = Seeds.random(seed, round);
        List<Genotype> genotypes = sampler.sampleExactly(count, ledger.history(), random);
        List<Proposal> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Proposal p = new Proposal(round, round, 0, i, budget, genotypes.get(i));
            ledger.asked(p);
            out.add(p);
        }
        return out;
    }

    @Override
    public void tell(Proposal proposal, Result result) {
        ledger.told(proposal, result);
    }

    @Override
    public History history() {
        return ledger.history();
    }
}
