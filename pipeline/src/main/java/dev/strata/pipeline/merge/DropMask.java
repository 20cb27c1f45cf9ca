package dev.strata.pipeline.merge;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * DARE's random drop: which elements of one model's difference survive. The stream is seeded from (seed, tensor
 * name, model index) alone, so a tensor gets the same mask whatever order, or on whichever machine, tensors are
 * merged in.
 */
final class DropMask {
    private DropMask() {
    }

    /** Keeps each element with probability {@code density} and scales the kept ones by 1 / density, in place. */
    static void dropAndRescale(double[] d, double density, long seed, String tensor, int model) {
        if (density >= 1) {
            return;
        }
        SplittableRandom rng = new SplittableRandom(streamSeed(seed, tensor, model));
        for (int i = 0; i < d.length; i++) {
            d[i] = rng.nextDouble() < density ? d[i] / density : 0;
        }
    }

    /** A 64-bit seed mixing the three (FNV-1a of the name's UTF-8 bytes, then SplitMix64's finaliser). */
    static long streamSeed(long seed, String tensor, int model) {
        long h = 0xcbf29ce484222325L;
        for (byte b : tensor.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return mix(mix(seed ^ h) + model);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
