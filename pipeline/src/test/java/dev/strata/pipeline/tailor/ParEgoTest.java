package dev.strata.pipeline.tailor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.pipeline.StrataException;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParEgoTest {

    @Test
    void augmentedChebyshevOnNormalisedObjectives() {
        // f' = ((0.3 - 0.1) / 0.4, (0.7 - 0.5) / 0.4) = (0.5, 0.5); w f' = (0.125, 0.375): 0.375 + 0.05 * 0.5
        assertEquals(0.4, ParEgo.chebyshev(new double[] {0.3, 0.7}, new double[] {0.25, 0.75},
                new double[] {0.1, 0.5}, new double[] {0.5, 0.9}, 0.05), 1e-12);
        // an objective that never varied normalises to 0 and leaves the max to the other: w f' = (0, 0.75 * 0.5),
        // 0.375 + 0.05 * 0.375
        assertEquals(0.39375, ParEgo.chebyshev(new double[] {0.3, 0.7}, new double[] {0.25, 0.75},
                new double[] {0.3, 0.5}, new double[] {0.3, 0.9}, 0.05), 1e-12);
    }

    @Test
    void costsNormaliseByTheLeastAndGreatestSeen() {
        ParEgo p = new ParEgo(2, 7);
        double[] w = p.weights(3);
        List<double[]> seen = List.of(new double[] {0.1, 0.9}, new double[] {0.5, 0.5});
        List<double[]> candidates = List.of(new double[] {0.3, 0.7}, new double[] {0.5, 0.5});
        // bounds (0.1 .. 0.5, 0.5 .. 0.9): the first normalises to (0.5, 0.5), the second to (1, 0)
        double[] expected = {0.5 * Math.max(w[0], w[1]) + 0.05 * 0.5 * (w[0] + w[1]), w[0] + 0.05 * w[0]};
        assertArrayEquals(expected, p.costs(candidates, seen, 3), 1e-12);
        assertEquals("ParEGO over 2 objectives got a result of 3", assertThrows(StrataException.class,
                () -> p.costs(List.of(new double[] {1, 2, 3}), seen, 3)).getMessage());
    }

    @Test
    void weightsAreUniformOnTheSimplexAndFixedByTheDraw() {
        ParEgo p = new ParEgo(3, 7);
        assertArrayEquals(p.weights(5), new ParEgo(3, 7).weights(5), 0);
        assertFalse(Arrays.equals(p.weights(5), p.weights(6)));
        assertFalse(Arrays.equals(p.weights(5), new ParEgo(3, 8).weights(5)));
        // uniform on the simplex: each weight has mean 1/3, and for three objectives P(w_0 < 0.25) = 1 - 0.75^2
        double[] mean = new double[3];
        int small = 0;
        int n = 20000;
        for (int d = 0; d < n; d++) {
            double[] w = p.weights(d);
            assertEquals(1, w[0] + w[1] + w[2], 1e-12);
            for (int i = 0; i < 3; i++) {
                mean[i] += w[i] / n;
            }
            small += w[0] < 0.25 ? 1 : 0;
        }
        assertArrayEquals(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, mean, 0.006); // sd of each mean about 0.0017
        assertEquals(0.4375, small / (double) n, 0.012); // sd about 0.0035
    }
}
