package dev.strata.pipeline.merge;

import java.util.Arrays;

/** TIES's trim: keeps the largest share of a difference vector by magnitude and zeroes the rest. */
final class MagnitudeTrim {
    private MagnitudeTrim() {
    }

    /**
     * Zeroes all but the round(density * n) elements of largest |d| in place. Equal magnitudes at the cut are kept
     * in index order, so the result never depends on a sort's tie order.
     */
    static void keepLargest(double[] d, double density) {
        int n = d.length;
        int keep = (int) Math.min(n, Math.round(density * n));
        if (keep == n) {
            return;
        }
        if (keep == 0) {
            Arrays.fill(d, 0);
            return;
        }
        double[] magnitudes = new double[n];
        for (int i = 0; i < n; i++) {
            magnitudes[i] = Math.abs(d[i]);
        }
        Arrays.sort(magnitudes);
        double cut = magnitudes[n - keep];
        int above = 0;
        for (double v : d) {
            above += Math.abs(v) > cut ? 1 : 0;
        }
        int atCut = keep - above; // how many of those equal to the cut still fit
        for (int i = 0; i < n; i++) {
            double a = Math.abs(d[i]);
            if (a > cut) {
                continue;
            }
            if (a == cut && atCut > 0) {
                atCut--;
                continue;
            }
            d[i] = 0;
        }
    }
}
