package dev.strata.pipeline.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks calibration windows at random, reproducibly from a seed. */
public final class WindowSampler {
    private WindowSampler() {
    }

    /**
     * {@code samples} distinct indices out of {@code 0 .. available-1}, uniformly at random from {@code seed}, in
     * increasing order.
     */
    public static int[] choose(int available, int samples, long seed) {
        if (samples < 1 || samples > available) {
            throw new IllegalArgumentException("cannot choose " + samples + " of " + available + " windows");
        }
        int[] all = new int[available];
        Arrays.setAll(all, i -> i);
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < samples; i++) {
            int j = i + rng.nextInt(available - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] chosen = Arrays.copyOf(all, samples);
        Arrays.sort(chosen);
        return chosen;
    }
}
