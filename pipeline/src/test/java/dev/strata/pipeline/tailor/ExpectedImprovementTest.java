package dev.strata.pipeline.tailor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ExpectedImprovementTest {

    @Test
    void normalDistributionFunctionMatchesTables() {
        assertEquals(0.5, ExpectedImprovement.cdf(0), 1e-7);
        assertEquals(0.8413447461, ExpectedImprovement.cdf(1), 1e-7);
        assertEquals(0.1586552539, ExpectedImprovement.cdf(-1), 1e-7);
        assertEquals(0.9750021049, ExpectedImprovement.cdf(1.96), 1e-7);
        // lower tail: relative accuracy holds where absolute tolerances would say nothing
        assertEquals(1.3498980316e-3, ExpectedImprovement.cdf(-3), 1.3498980316e-3 * 2e-7);
        assertEquals(2.8665157187e-7, ExpectedImprovement.cdf(-5), 2.8665157187e-7 * 2e-7);
        assertEquals(0.3989422804, ExpectedImprovement.pdf(0), 1e-10);
        assertEquals(0.2419707245, ExpectedImprovement.pdf(1), 1e-10);
    }

    @Test
    void closedFormAgainstValuesWorkedByHand() {
        assertEquals(0.3989422804, ExpectedImprovement.of(0, 1, 0), 1e-7); // 1 / sqrt(2 pi)
        // z = -1: -Phi(-1) + phi(1) = -0.1586552539 + 0.2419707245
        assertEquals(0.0833154706, ExpectedImprovement.of(1, 1, 0), 1e-7);
        // sigma 2, z = 0.5: 1 * Phi(0.5) + 2 * phi(0.5) = 0.6914624613 + 2 * 0.3520653268
        assertEquals(1.3955931149, ExpectedImprovement.of(0, 2, 1), 1e-7);
        // far below the best, EI tends to the plain improvement best - mu
        assertEquals(10, ExpectedImprovement.of(0, 1, 10), 1e-9);
    }

    @Test
    void withoutSpreadItIsThePlainImprovement() {
        assertEquals(0.25, ExpectedImprovement.of(0.5, 0, 0.75), 0);
        assertEquals(0, ExpectedImprovement.of(0.9, 0, 0.75), 0);
        assertEquals(0, ExpectedImprovement.of(50, 1, 0), 0); // z = -50: nothing to gain, and never negative
    }
}
