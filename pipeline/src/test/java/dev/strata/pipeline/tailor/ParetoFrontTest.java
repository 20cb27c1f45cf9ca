package dev.strata.pipeline.tailor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ParetoFrontTest {

    @Test
    void dominanceNeedsNoWorseEverywhereAndBetterSomewhere() {
        assertTrue(ParetoFront.dominates(new double[] {1, 2}, new double[] {1, 3}));
        assertFalse(ParetoFront.dominates(new double[] {1, 2}, new double[] {1, 2}));
        assertFalse(ParetoFront.dominates(new double[] {1, 3}, new double[] {2, 2}));
    }

    @Test
    void keepsTheNonDominatedWithTiesAndDuplicates() {
        // a (0.2, 0.8) and b (0.5, 0.5) trade off; c (0.5, 0.6) is dominated by b (tie on the first, worse second);
        // d duplicates b; e (0.8, 0.2) trades off; f (0.9, 0.9) is dominated by all; g (0.2, 0.9) by a
        List<double[]> points = List.of(new double[] {0.2, 0.8}, new double[] {0.5, 0.5}, new double[] {0.5, 0.6},
                new double[] {0.5, 0.5}, new double[] {0.8, 0.2}, new double[] {0.9, 0.9}, new double[] {0.2, 0.9});
        List<double[]> front = ParetoFront.of(points, Function.identity());
        assertEquals(List.of(points.get(0), points.get(1), points.get(3), points.get(4)), front);
    }

    @Test
    void trialsAreJudgedByTheirObjectives() {
        Genotype g = HyperbandTest.numbered(0);
        Trial x = new Trial(new Proposal(0, 0, 0, 0, 10, g), Result.of(0.3, 0.3));
        Trial y = new Trial(new Proposal(0, 0, 0, 1, 10, g), Result.of(0.4, 0.3));
        Trial z = new Trial(new Proposal(0, 0, 0, 2, 10, g), Result.of(0.1, 0.5));
        assertEquals(List.of(x, z), ParetoFront.ofTrials(List.of(x, y, z)));
    }
}
