package dev.strata.pipeline.tailor;

import static dev.strata.pipeline.tailor.SearchSpaceTest.gone;
import static dev.strata.pipeline.tailor.SearchSpaceTest.kept;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.pipeline.StrataException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HyperbandTest {

    /** Genotype number k: layer 0 removed, layer 1 the base's with lambda k / 100, so tests can name them. */
    static Genotype numbered(int k) {
        return new Genotype(List.of(gone(1), kept(k / 100.0, false)));
    }

    static int number(Proposal p) {
        return (int) Math.round(p.genotype().genes().get(1).lambda() * 100);
    }

    /** Numbers genotypes in the order sampled: the next is the count of distinct ones asked so far. */
    static final Sampler COUNTING = (count, history, random) -> {
        int next = new HashSet<>(history.genotypes()).size();
        List<Genotype> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(numbered(next + i));
        }
        return out;
    };

    static List<Integer> numbers(List<Proposal> ps) {
        return ps.stream().map(HyperbandTest::number).toList();
    }

    static void tell(Optimiser o, List<Proposal> ps, double... values) {
        for (int i = 0; i < ps.size(); i++) {
            o.tell(ps.get(i), Result.of(values[i]));
        }
    }

    @Test
    void scheduleForEta3From10To90() {
        HyperbandSchedule s = new HyperbandSchedule(10, 90, 3);
        assertEquals(2, s.sMax());
        assertArrayEquals(new int[] {9, 3, 1}, s.sizes(0));
        assertArrayEquals(new int[] {10, 30, 90}, s.budgets(0));
        assertArrayEquals(new int[] {5, 1}, s.sizes(1)); // ceil(3 * 3 / 2) = 5, floor(5 / 3) = 1
        assertArrayEquals(new int[] {30, 90}, s.budgets(1));
        assertArrayEquals(new int[] {3}, s.sizes(2));
        assertArrayEquals(new int[] {90}, s.budgets(2));
        assertArrayEquals(new int[] {9, 3, 1}, s.sizes(3)); // the cycle starts again
    }

    @Test
    void budgetsThatAreNotAPowerOfEtaApartAnchorAtTheMaximum() {
        HyperbandSchedule s = new HyperbandSchedule(100, 1000, 3); // 100 * 9 <= 1000 < 100 * 27
        assertEquals(2, s.sMax());
        assertArrayEquals(new int[] {111, 333, 1000}, s.budgets(0));
        assertEquals(0, new HyperbandSchedule(50, 100, 3).sMax());
        assertEquals("eta must be at least 2, got 1",
                assertThrows(StrataException.class, () -> new HyperbandSchedule(10, 90, 1)).getMessage());
        assertEquals("budgets must satisfy 1 <= min <= max, got min 100, max 90",
                assertThrows(StrataException.class, () -> new HyperbandSchedule(100, 90, 3)).getMessage());
    }

    @Test
    void promotesTheBestThirdOfEachStageToTheNextBudget() {
        Hyperband hb = new Hyperband(new HyperbandSchedule(10, 90, 3), COUNTING, Scalarisation.MEAN, 7);

        List<Proposal> first = hb.ask(9);
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8), numbers(first));
        first.forEach(p -> assertEquals(10, p.budget()));
        tell(hb, first, 0.50, 0.20, 0.90, 0.10, 0.70, 0.30, 0.80, 0.60, 0.40);

        List<Proposal> second = hb.ask(3); // the best three at 10 examples, best first: 0.10, 0.20, 0.30
        assertEquals(List.of(3, 1, 5), numbers(second));
        assertEquals(List.of("r1.b0.s1.c3", "r1.b0.s1.c1", "r1.b0.s1.c5"), second.stream().map(Proposal::id).toList());
        second.forEach(p -> assertEquals(30, p.budget()));
        tell(hb, second, 0.35, 0.15, 0.25);

        List<Proposal> third = hb.ask(1); // at 30 examples number 1 is best
        assertEquals(List.of(1), numbers(third));
        assertEquals(90, third.get(0).budget());
        tell(hb, third, 0.12);

        List<Proposal> fourth = hb.ask(5); // bracket 1 (s = 1): five new at 30
        assertEquals(List.of(9, 10, 11, 12, 13), numbers(fourth));
        fourth.forEach(p -> assertEquals(1, p.bracket()));
        fourth.forEach(p -> assertEquals(30, p.budget()));
        tell(hb, fourth, 0.40, 0.20, 0.20, 0.50, 0.60);

        List<Proposal> fifth = hb.ask(1); // a tie at 0.20: the lower configuration number goes on
        assertEquals(List.of(10), numbers(fifth));
        assertEquals("r4.b1.s1.c1", fifth.get(0).id());
        assertEquals(90, fifth.get(0).budget());
        tell(hb, fifth, 0.3);

        List<Proposal> sixth = hb.ask(4); // bracket 2 (s = 0): three at 90; then bracket 3 (s = 2) starts at 10
        assertEquals(List.of(14, 15, 16, 17), numbers(sixth));
        assertEquals(List.of(90, 90, 90, 10), sixth.stream().map(Proposal::budget).toList());
        assertEquals(List.of(2, 2, 2, 3), sixth.stream().map(Proposal::bracket).toList());
    }

    @Test
    void opensTheNextBracketRatherThanWaitForAStageToFinish() {
        Hyperband hb = new Hyperband(new HyperbandSchedule(10, 90, 3), COUNTING, Scalarisation.MEAN, 7);
        List<Proposal> a = hb.ask(4);
        List<Proposal> b = hb.ask(4);
        tell(hb, a, 0.5, 0.4, 0.3, 0.2);
        tell(hb, b, 0.1, 0.6, 0.7, 0.8);
        List<Proposal> c = hb.ask(4); // the ninth of bracket 0, then three of bracket 1's five at 30
        assertEquals(List.of(8, 9, 10, 11), numbers(c));
        assertEquals(List.of(0, 1, 1, 1), c.stream().map(Proposal::bracket).toList());
        assertEquals(List.of(10, 30, 30, 30), c.stream().map(Proposal::budget).toList());
        tell(hb, c.subList(0, 1), 0.9);
        List<Proposal> d = hb.ask(5); // bracket 0's promotions first (0.1, 0.2, 0.3), then bracket 1's last two
        assertEquals(List.of(4, 3, 2, 12, 13), numbers(d));
        assertEquals(List.of(30, 30, 30, 30, 30), d.stream().map(Proposal::budget).toList());
        assertEquals(List.of(0, 0, 0, 1, 1), d.stream().map(Proposal::bracket).toList());
    }

    @Test
    void refusesTrialsThatDoNotFitTheSchedule() {
        Hyperband hb = new Hyperband(new HyperbandSchedule(10, 90, 3), COUNTING, Scalarisation.MEAN, 7);
        Proposal wrongBudget = new Proposal(0, 0, 0, 0, 20, numbered(0));
        assertEquals("trial r0.b0.s0.c0 at budget 20 does not fit the schedule (bracket 0 has budgets [10, 30, 90] "
                + "and sizes [9, 3, 1]): were the budgets or eta changed since it ran?",
                assertThrows(StrataException.class, () -> hb.tell(wrongBudget, Result.of(1))).getMessage());
        Proposal unearned = new Proposal(0, 0, 1, 0, 30, numbered(0));
        assertEquals("trial r0.b0.s1.c0 was not promoted by this search: was the objective, the scalarisation or "
                + "the order of the told trials changed since it ran?",
                assertThrows(StrataException.class, () -> hb.tell(unearned, Result.of(1))).getMessage());
    }

    @Test
    void drawsNewConfigurationsFromTheRoundsOwnGenerator() {
        SearchSpace space = new SearchSpace(6, 2, 2);
        Sampler random = new RandomSampler(space);
        Hyperband hb = new Hyperband(new HyperbandSchedule(10, 90, 3), random, Scalarisation.MEAN, 7);
        List<Proposal> first = hb.ask(3);
        Random round0 = Seeds.random(7, 0);
        assertEquals(List.of(space.random(round0), space.random(round0), space.random(round0)),
                first.stream().map(Proposal::genotype).toList());
    }
}
