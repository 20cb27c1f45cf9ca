package dev.strata.pipeline.testing;

import java.util.Arrays;

/** The test oracle for log-likelihood scoring: lm-eval's computation on the {@link ReferenceLlama}, one option at a time. */
public final class ReferenceScoring {
    private ReferenceScoring() {
    }

    /**
     * {loglik, greedy ? 1 : 0} of {@code continuation} after {@code context}, the model fed lm-eval's input:
     * (context + continuation), its last {@code window} tokens, without the last one.
     */
    public static double[] score(ReferenceLlama model, int[] context, int[] continuation, int window) {
        int[] whole = new int[context.length + continuation.length];
        System.arraycopy(context, 0, whole, 0, context.length);
        System.arraycopy(continuation, 0, whole, context.length, continuation.length);
        int[] kept = Arrays.copyOfRange(whole, Math.max(0, whole.length - window), whole.length);
        double[][] logits = model.forward(Arrays.copyOf(kept, kept.length - 1)).logits();
        double sum = 0;
        boolean greedy = true;
        for (int k = 0; k < continuation.length; k++) {
            double[] row = logits[kept.length - continuation.length + k - 1];
            double max = Arrays.stream(row).max().orElseThrow();
            double log = Math.log(Arrays.stream(row).map(v -> Math.exp(v - max)).sum()) + max;
            sum += row[continuation[k]] - log;
            int best = 0;
            for (int v = 1; v < row.length; v++) {
                best = row[v] > row[best] ? v : best;
            }
            greedy &= best == continuation[k];
        }
        return new double[] {sum, greedy ? 1 : 0};
    }
}
