package dev.strata.pipeline.tailor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.strata.pipeline.tailor.Genotype.Gene;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/** A rerun told the first run's trials asks what the first run asked next. */
class ReplayTest {
    static final SearchSpace SPACE = new SearchSpace(6, 2, 2);

    /** Task 0: kept layers taking variant 0 plus their mean lambda; task 1: those taking variant 1 plus 1 - that. */
    static Result fake(Genotype g) {
        double lambda = 0;
        int[] taking = new int[2];
        for (int i : g.kept()) {
            Gene gene = g.genes().get(i);
            lambda += gene.lambda() / g.kept().size();
            gene.chosen().forEach(m -> taking[m]++);
        }
        return Result.of(taking[0] + lambda, taking[1] + 1 - lambda);
    }

    /** Runs {@code rounds} rounds of {@code batch}; returns each round's proposals. */
    static List<List<Proposal>> run(Optimiser o, int rounds, int batch) {
        List<List<Proposal>> out = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            List<Proposal> asked = o.ask(batch);
            asked.forEach(p -> o.tell(p, fake(p.genotype())));
            out.add(asked);
        }
        return out;
    }

    static void assertThirdRoundReplays(LongFunction<Optimiser> withSeed, int batch) {
        Optimiser first = withSeed.apply(7);
        List<List<Proposal>> rounds = run(first, 3, batch);

        Optimiser rerun = withSeed.apply(7);
        for (Trial t : first.history().told()) {
            if (t.proposal().round() < 2) {
                rerun.tell(t.proposal(), t.result());
            }
        }
        assertEquals(rounds.get(2), rerun.ask(batch));
        assertNotEquals(rounds.get(2), run(withSeed.apply(8), 3, batch).get(2)); // the seed does matter
    }

    @Test
    void randomSearchContinuesWhereItStopped() {
        assertThirdRoundReplays(seed -> new RandomSearch(new RandomSampler(SPACE), 100, seed), 4);
    }

    @Test
    void hyperbandWithParEgoContinuesWhereItStopped() {
        // batches of 5: round 0 is bracket 0's c0-c4 at 10, round 1 its c5-c8 and bracket 1's c0 at 30, round 2
        // bracket 0's three promotions, ranked by ParEGO, and bracket 1's c1, c2
        LongFunction<Optimiser> hyperband = seed -> new Hyperband(new HyperbandSchedule(10, 90, 3),
                new RandomSampler(SPACE), new ParEgo(2, seed), seed);
        Optimiser probe = hyperband.apply(7);
        List<List<Proposal>> rounds = run(probe, 3, 5);
        assertEquals(List.of(30, 30, 30, 30, 30), rounds.get(2).stream().map(Proposal::budget).toList());
        assertEquals(List.of(0, 0, 0, 1, 1), rounds.get(2).stream().map(Proposal::bracket).toList());
        assertEquals(List.of(1, 1, 1, 0, 0), rounds.get(2).stream().map(Proposal::stage).toList());
        assertThirdRoundReplays(hyperband, 5);
    }

    @Test
    void aRerunAsksAgainForWhatWasAskedButNeverTold() {
        // the first run's round 1 was lost after two of its five were told: the rerun fills the three slots left
        Hyperband first = new Hyperband(new HyperbandSchedule(10, 90, 3), HyperbandTest.COUNTING, Scalarisation.MEAN, 7);
        List<Proposal> round0 = first.ask(5);
        round0.forEach(p -> first.tell(p, fake(p.genotype())));
        List<Proposal> round1 = first.ask(5);

        Hyperband rerun = new Hyperband(new HyperbandSchedule(10, 90, 3), HyperbandTest.COUNTING, Scalarisation.MEAN, 7);
        round0.forEach(p -> rerun.tell(p, fake(p.genotype())));
        rerun.tell(round1.get(0), fake(round1.get(0).genotype()));
        rerun.tell(round1.get(1), fake(round1.get(1).genotype()));
        List<Proposal> again = rerun.ask(3);
        assertEquals(List.of("r2.b0.s0.c7", "r2.b0.s0.c8", "r2.b1.s0.c0"), again.stream().map(Proposal::id).toList());
        assertEquals(List.of(7, 8, 9), HyperbandTest.numbers(again));
    }
}
