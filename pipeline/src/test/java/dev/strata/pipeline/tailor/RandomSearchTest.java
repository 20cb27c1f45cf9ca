package dev.strata.pipeline.tailor;

import static dev.strata.pipeline.tailor.HyperbandTest.numbered;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.pipeline.StrataException;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RandomSearchTest {
    static final SearchSpace SPACE = new SearchSpace(5, 2, 1);

    @Test
    void eachRoundDrawsItsBatchAtTheFullBudgetFromTheRoundsGenerator() {
        RandomSearch search = new RandomSearch(new RandomSampler(SPACE), 1000, 7);
        search.ask(2);
        List<Proposal> second = search.ask(2);
        Random round1 = Seeds.random(7, 1);
        assertEquals(List.of(new Proposal(1, 1, 0, 0, 1000, SPACE.random(round1)),
                new Proposal(1, 1, 0, 1, 1000, SPACE.random(round1))), second);
        assertEquals(4, search.history().pending().size());
    }

    @Test
    void tellingMovesAProposalFromPendingToToldAndRefusesItTwice() {
        RandomSearch search = new RandomSearch(new RandomSampler(SPACE), 1000, 7);
        List<Proposal> asked = search.ask(2);
        search.tell(asked.get(1), Result.of(0.25));
        assertEquals(List.of(new Trial(asked.get(1), Result.of(0.25))), search.history().told());
        assertEquals(List.of(asked.get(0)), search.history().pending());
        assertEquals("trial r0.b0.s0.c1 was already told", assertThrows(StrataException.class,
                () -> search.tell(asked.get(1), Result.of(0.5))).getMessage());
    }

    @Test
    void theWarmStartComesFirstAndIsNotRepeated() {
        Sampler design = new InitialDesign(List.of(numbered(1), numbered(2), numbered(3)),
                (count, history, random) -> Collections.nCopies(count, numbered(99)));
        RandomSearch search = new RandomSearch(design, 1000, 7);
        List<Proposal> first = search.ask(2);
        assertEquals(List.of(1, 2), HyperbandTest.numbers(first));
        search.tell(first.get(0), Result.of(0.5)); // number 2 still pending: not asked again
        assertEquals(List.of(3, 99, 99), HyperbandTest.numbers(search.ask(3)));
    }

    @Test
    void refusesASamplerThatGivesTheWrongNumber() {
        RandomSearch search = new RandomSearch((count, history, random) -> List.of(numbered(0)), 1000, 7);
        assertEquals("the sampler gave 1 genotypes, asked 2",
                assertThrows(StrataException.class, () -> search.ask(2)).getMessage());
        assertEquals("budget must be at least 1 example, got 0", assertThrows(StrataException.class,
                () -> new RandomSearch(new RandomSampler(SPACE), 0, 7)).getMessage());
    }

    @Test
    void resultsMustBeFiniteNumbers() {
        assertEquals("objective NaN is not a finite number: [0.5, NaN]",
                assertThrows(StrataException.class, () -> Result.of(0.5, Double.NaN)).getMessage());
        assertEquals("a result needs at least one objective",
                assertThrows(StrataException.class, () -> Result.of()).getMessage());
    }
}
