package dev.strata.pipeline.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;

/** How far one array is from another: the largest difference relative to the largest magnitude of the expected. */
public final class ArrayDifference {
    private ArrayDifference() {
    }

    /** max |e - a| / max |e| over arrays of the same shape; refused when the expected array is all zeros. */
    public static double relative(NDArray expected, NDArray actual) {
        assertArrayEquals(expected.getShape().getShape(), actual.getShape().getShape(), "shapes");
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < e.length; i++) {
            diff = Math.max(diff, Math.abs(e[i] - a[i]));
            scale = Math.max(scale, Math.abs(e[i]));
        }
        assertTrue(scale > 0, "the expected array is all zeros");
        return diff / scale;
    }

    /** Asserts {@link #relative} is at most {@code tolerance}; {@code what} names the arrays. */
    public static void assertWithin(double tolerance, NDArray expected, NDArray actual, String what) {
        double d = relative(expected, actual);
        assertTrue(d <= tolerance, what + ": relative difference " + d + " > " + tolerance);
    }
}
