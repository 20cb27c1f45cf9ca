package dev.strata.pipeline.tailor;

import java.util.Random;

/**
 * Randomness keyed by position rather than drawn from one long-lived generator: the generator for round 5 of seed 7
 * is the same whether the search got there in one run or after a restart.
 */
public final class Seeds {
    private Seeds() {
    }

    /** A well-spread 64-bit key of {@code seed} and {@code keys} (SplitMix64's finaliser applied per key). */
    public static long mix(long seed, long... keys) {
        long h = spread(seed);
        for (long k : keys) {
            h = spread(h ^ spread(k + 0x9E3779B97F4A7C15L));
        }
        return h;
    }

    /** A fresh generator for {@code keys} (a round, a bracket and stage ...) under {@code seed}. */
    public static Random random(long seed, long... keys) {
        return new Random(mix(seed, keys));
    }

    private static long spread(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
