package dev.strata.pipeline.merge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.settings.Settings;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every operator against values worked by hand on tensors of a few elements. */
class MergeOperatorsTest {
    private static final float EPS = 1e-6f;

    /** The operator's global settings from flag/value pairs ("--lambda", "0.5"). */
    private static Settings global(MergeOperator op, String... flagValues) {
        return Settings.fromFlags(op.params(), pairs(flagValues));
    }

    private static Settings model(MergeOperator op, String... flagValues) {
        return Settings.fromFlags(op.modelParams(), pairs(flagValues));
    }

    private static Map<String, String> pairs(String... flagValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < flagValues.length; i += 2) {
            m.put(flagValues[i], flagValues[i + 1]);
        }
        return m;
    }

    private static float[] f(double... v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    private static MergeOperator op(String name) {
        return MergeOperators.get(name, "merge_method");
    }

    @Test
    void theRegistryListsTheOperatorsAndRefusesOthersByName() {
        assertEquals(List.of("linear", "task_arithmetic", "ties", "dare", "slerp", "passthrough"), MergeOperators.names());
        StrataException ex = assertThrows(StrataException.class, () -> MergeOperators.get("frankenmerge", "m.yaml: 'merge_method'"));
        assertEquals("m.yaml: 'merge_method' 'frankenmerge' is not a merge method (expected one of linear, "
                + "task_arithmetic, ties, dare, slerp, passthrough)", ex.getMessage());
    }

    @Test
    void linearIsTheWeightedMeanOrWithoutNormalisationTheWeightedSum() {
        MergeOperator linear = op("linear");
        TensorInputs in = new TensorInputs("w", null, List.of(f(1, 2, 3), f(3, 6, -3)));
        List<Settings> weights = List.of(model(linear, "--weight", "1"), model(linear, "--weight", "3"));
        // (1*a + 3*b) / 4 = ((1+9)/4, (2+18)/4, (3-9)/4)
        assertArrayEquals(f(2.5, 5, -1.5), linear.merge(in, global(linear), weights), EPS);
        // 1*a + 3*b
        assertArrayEquals(f(10, 20, -6), linear.merge(in, global(linear, "--normalize", "false"), weights), EPS);
        // weights of -1 and 1 cannot be normalised
        StrataException ex = assertThrows(StrataException.class, () -> linear.merge(in, global(linear),
                List.of(model(linear, "--weight", "-1"), model(linear, "--weight", "1"))));
        assertEquals("tensor 'w': the linear weights sum to 0, so they cannot be normalised (set normalize: false, "
                + "or other weights)", ex.getMessage());
    }

    @Test
    void taskArithmeticAddsLambdaTimesTheWeightedSumOfDifferences() {
        MergeOperator ta = op("task_arithmetic");
        // base (1, 2, 0.5); deltas d1 = (1, 0, 0), d2 = (-1, 2, 1); weights 1 and 0.5; lambda 0.5
        // base + 0.5 * (d1 + 0.5 d2) = (1 + 0.5*0.5, 2 + 0.5*1, 0.5 + 0.5*0.5) = (1.25, 2.5, 0.75)
        TensorInputs in = new TensorInputs("w", f(1, 2, 0.5), List.of(f(2, 2, 0.5), f(0, 4, 1.5)));
        float[] merged = ta.merge(in, global(ta, "--lambda", "0.5"),
                List.of(model(ta, "--weight", "1"), model(ta, "--weight", "0.5")));
        assertArrayEquals(f(1.25, 2.5, 0.75), merged, EPS);
        StrataException ex = assertThrows(StrataException.class, () -> ta.merge(
                new TensorInputs("w", null, List.of(f(1))), global(ta), List.of(model(ta))));
        assertEquals("tensor 'w': task_arithmetic needs a base model", ex.getMessage());
    }

    // base (1, 1, 1, 1); differences:
    //   d1 = ( 3, -1,  2, -4)  density 0.5 keeps |3|, |-4|      -> ( 3,  0, 0, -4)
    //   d2 = (-2,  2, -1,  1)  keeps |-2|, |2|                  -> (-2,  2, 0,  0)
    //   d3 = ( 1, 0.5, 3, -1.5) keeps |3|, |-1.5|               -> ( 0,  0, 3, -1.5)
    private static final TensorInputs TIES_CASE = new TensorInputs("w", f(1, 1, 1, 1),
            List.of(f(4, 0, 3, -3), f(-1, 3, 0, 2), f(2, 1.5, 4, -0.5)));

    @Test
    void tiesTrimsElectsTheSignAndAveragesOnlyTheAgreeingDifferences() {
        MergeOperator ties = op("ties");
        // equal weights: sums (1, 2, 3, -5.5), signs (+, +, +, -)
        // agreeing means: (3 [d2's -2 disagrees], 2, 3, (-4 - 1.5)/2 = -2.75); lambda 0.5 -> base + (1.5, 1, 1.5, -1.375)
        Settings d = model(ties, "--density", "0.5");
        assertArrayEquals(f(2.5, 2, 2.5, -0.375), ties.merge(TIES_CASE, global(ties, "--lambda", "0.5"),
                List.of(d, d, d)), EPS);
        // weight 2 on model 2: weighted trimmed d2 = (-4, 4, 0, 0), sums (-1, 4, 3, -5.5): element 0 turns negative
        // means: (2*-2 / 2 = -2, 2*2 / 2 = 2, 3, -2.75); lambda 1
        Settings heavy = model(ties, "--density", "0.5", "--weight", "2");
        assertArrayEquals(f(-1, 3, 4, -1.75), ties.merge(TIES_CASE, global(ties), List.of(d, heavy, d)), EPS);
    }

    @Test
    void tiesKeepsEqualMagnitudesAtTheCutInIndexOrder() {
        // d = (2, -2, 2, 1): keep round(0.5 * 4) = 2 of the three 2s -> the first two
        double[] d = {2, -2, 2, 1};
        MagnitudeTrim.keepLargest(d, 0.5);
        assertArrayEquals(new double[] {2, -2, 0, 0}, d);
        double[] all = {1, -3};
        MagnitudeTrim.keepLargest(all, 1.0);
        assertArrayEquals(new double[] {1, -3}, all);
    }

    @Test
    void dareWithoutDropsIsTaskArithmeticOrTiesByConsensus() {
        MergeOperator dare = op("dare");
        // base (0, 0); d1 = (1, -2), d2 = (-3, 1); density 1 drops nothing
        TensorInputs in = new TensorInputs("w", f(0, 0), List.of(f(1, -2), f(-3, 1)));
        List<Settings> models = List.of(model(dare), model(dare));
        // task arithmetic: d1 + d2 = (-2, -1)
        assertArrayEquals(f(-2, -1), dare.merge(in, global(dare), models), EPS);
        // ties: sums (-2, -1) are negative; agreeing: element 0 only d2 (-3), element 1 only d1 (-2)
        assertArrayEquals(f(-3, -2), dare.merge(in, global(dare, "--consensus", "ties"), models), EPS);
    }

    @Test
    void dareKeepsOrDropsEachDifferenceAndRescalesTheKeptByOneOverDensity() {
        MergeOperator dare = op("dare");
        // base 1, d = (2, -4, 6, 8, -10, 12), density 0.5: each element is 1 (dropped) or 1 + d / 0.5
        float[] base = f(1, 1, 1, 1, 1, 1);
        float[] variant = f(3, -3, 7, 9, -9, 13);
        float[] merged = dare.merge(new TensorInputs("w", base, List.of(variant)), global(dare, "--seed", "7"),
                List.of(model(dare, "--density", "0.5")));
        float[] kept = f(5, -7, 13, 17, -19, 25);
        int dropped = 0;
        for (int i = 0; i < merged.length; i++) {
            assertTrue(merged[i] == 1f || merged[i] == kept[i], i + ": " + merged[i]);
            dropped += merged[i] == 1f ? 1 : 0;
        }
        assertTrue(dropped > 0 && dropped < 6, Arrays.toString(merged));
    }

    @Test
    void dareMasksDependOnSeedTensorAndModelOnlyNotOnMergeOrder() {
        MergeOperator dare = op("dare");
        float[] base = new float[64];
        float[] variant = new float[64];
        Arrays.fill(variant, 1f);
        List<Settings> half = List.of(model(dare, "--density", "0.5"));
        Settings seed3 = global(dare, "--seed", "3");
        float[] aFirst = dare.merge(new TensorInputs("a", base, List.of(variant)), seed3, half);
        float[] bSecond = dare.merge(new TensorInputs("b", base, List.of(variant)), seed3, half);
        float[] bFirst = dare.merge(new TensorInputs("b", base, List.of(variant)), seed3, half);
        float[] aSecond = dare.merge(new TensorInputs("a", base, List.of(variant)), seed3, half);
        assertArrayEquals(aFirst, aSecond);
        assertArrayEquals(bSecond, bFirst);
        assertFalse(Arrays.equals(aFirst, bFirst), "tensors a and b share a mask");
        assertFalse(Arrays.equals(aFirst, dare.merge(new TensorInputs("a", base, List.of(variant)),
                global(dare, "--seed", "4"), half)), "seeds 3 and 4 share a mask");
        // the same model index gives the same mask beside another model; index 1 another one
        float[] zero = new float[64];
        float[] withSecond = dare.merge(new TensorInputs("a", base, List.of(variant, zero)), seed3,
                List.of(half.get(0), half.get(0)));
        assertArrayEquals(aFirst, withSecond);
        float[] asSecond = dare.merge(new TensorInputs("a", base, List.of(zero, variant)), seed3,
                List.of(half.get(0), half.get(0)));
        assertFalse(Arrays.equals(aFirst, asSecond), "models 0 and 1 share a mask");
    }

    @Test
    void dareDropsAboutOneMinusDensityAndKeepsTheExpectedDifference() {
        MergeOperator dare = op("dare");
        int n = 100_000;
        float[] base = new float[n];
        float[] variant = new float[n];
        Arrays.fill(variant, 1f);
        float[] merged = dare.merge(new TensorInputs("big", base, List.of(variant)), global(dare, "--seed", "11"),
                List.of(model(dare, "--density", "0.7")));
        int dropped = 0;
        double sum = 0;
        for (float v : merged) {
            dropped += v == 0 ? 1 : 0;
            sum += v;
            assertTrue(v == 0 || v == (float) (1 / 0.7), "kept value " + v);
        }
        // binomial: 0.3 n = 30000 drops, sd sqrt(n 0.3 0.7) = 145; allow 5 sd
        assertEquals(30_000, dropped, 725);
        // kept ones scaled by 1/0.7: the mean difference stays 1 (sd of the mean 0.0065)
        assertEquals(1.0, sum / n, 0.033);
    }

    @Test
    void slerpOfOrthogonalVectorsFollowsTheCircle() {
        MergeOperator slerp = op("slerp");
        // a = (3, 0), b = (0, 4): angle pi/2; at t, a * sin((1-t) pi/2) + b * sin(t pi/2)
        TensorInputs in = new TensorInputs("w", null, List.of(f(3, 0), f(0, 4)));
        List<Settings> none = List.of(model(slerp), model(slerp));
        assertArrayEquals(f(3, 0), slerp.merge(in, global(slerp, "--t", "0"), none), EPS);
        assertArrayEquals(f(0, 4), slerp.merge(in, global(slerp, "--t", "1"), none), EPS);
        // t = 0.5: sin(pi/4) = sqrt(2)/2 on both: (3 sqrt(2)/2, 2 sqrt(2))
        assertArrayEquals(f(3 * Math.sqrt(2) / 2, 2 * Math.sqrt(2)), slerp.merge(in, global(slerp, "--t", "0.5"), none), EPS);
    }

    @Test
    void slerpInterpolatesLinearlyWhenNearParallelOrZero() {
        MergeOperator slerp = op("slerp");
        List<Settings> none = List.of(model(slerp), model(slerp));
        // (1, 0) and (1, 0.01): cos = 1 / sqrt(1.0001) = 0.99995 > 0.9995 -> (1 - 0.5) a + 0.5 b = (1, 0.005)
        float[] near = slerp.merge(new TensorInputs("w", null, List.of(f(1, 0), f(1, 0.01))),
                global(slerp, "--t", "0.5"), none);
        assertArrayEquals(f(1, 0.005), near, 0f);
        // a zero vector has no direction: 0.75 * (0, 0) + 0.25 * (2, 4) = (0.5, 1)
        float[] zero = slerp.merge(new TensorInputs("w", null, List.of(f(0, 0), f(2, 4))),
                global(slerp, "--t", "0.25"), none);
        assertArrayEquals(f(0.5, 1), zero, 0f);
        assertEquals("merges exactly two models", slerp.countProblem(3));
        assertNull(slerp.countProblem(2));
    }

    @Test
    void slerpRefusesTOutsideTheUnitInterval() {
        MergeOperator slerp = op("slerp");
        StrataException ex = assertThrows(StrataException.class, () -> global(slerp, "--t", "1.5"));
        assertEquals("--t must lie between 0 and 1, got 1.5", ex.getMessage());
    }

    @Test
    void passthroughCopiesItsOneModel() {
        MergeOperator pass = op("passthrough");
        float[] x = f(0.1, -7, 3e-8);
        float[] out = pass.merge(new TensorInputs("w", null, List.of(x)), global(pass), List.of(model(pass)));
        assertArrayEquals(x, out, 0f);
        assertEquals("takes exactly one model (per slice)", pass.countProblem(2));
    }
}
