package dev.strata.pipeline.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.util.Progress;

/**
 * Perplexity over non-overlapping windows: the token stream (one BOS at the start) is cut into windows of
 * {@code seqLen} tokens, the last partial window dropped; in each window the first token is context only and
 * every later token is predicted from the tokens before it in the same window.
 * PPL = exp(total negative log-likelihood / predicted tokens), summed in double.
 */
public final class Perplexity {
    private Perplexity() {
    }

    /**
     * @param tokens total tokens in the stream, windows used, tokens predicted, total NLL (nats)
     */
    public record Result(long tokens, int windows, int seqLen, long predicted, double nll, double seconds) {
        public double perplexity() {
            return Math.exp(nll / predicted);
        }

        /** Tokens through the model per second (windows x seqLen / time). */
        public double tokensPerSecond() {
            return (double) windows * seqLen / seconds;
        }
    }

    public static Result evaluate(LlamaModel model, int[] tokens, int seqLen, int batchSize) {
        if (seqLen < 2) {
            throw new StrataException("--seq-len must be at least 2 (one context token and one predicted), got " + seqLen);
        }
        if (seqLen > model.config().maxPositions()) {
            throw new StrataException("--seq-len " + seqLen + " is above max_position_embeddings "
                    + model.config().maxPositions() + " of " + model.config().source());
        }
        if (batchSize < 1) {
            throw new StrataException("--batch must be at least 1, got " + batchSize);
        }
        int windows = tokens.length / seqLen;
        if (windows == 0) {
            throw new StrataException("the text gives " + tokens.length + " tokens (BOS included), fewer than one window of " + seqLen);
        }
        Progress progress = new Progress("ppl", windows, "windows");
        double nll = 0;
        for (int first = 0; first < windows; first += batchSize) {
            int count = Math.min(batchSize, windows - first);
            nll += batchNll(model, tokens, first, count, seqLen);
            progress.advance(count, (long) count * seqLen);
        }
        return new Result(tokens.length, windows, seqLen, (long) windows * (seqLen - 1), nll, progress.elapsedSeconds());
    }

    /** Summed NLL of windows {@code first .. first+count-1}. */
    private static double batchNll(LlamaModel model, int[] tokens, int first, int count, int seqLen) {
        long[][] ids = new long[count][seqLen];
        for (int w = 0; w < count; w++) {
            for (int t = 0; t < seqLen; t++) {
                ids[w][t] = tokens[(first + w) * seqLen + t];
            }
        }
        try (NDManager scope = model.newScope()) {
            NDArray batch = model.tokens(scope, ids);
            NDArray logProbs = model.logits(batch).get(new NDIndex(":, :-1, :")).logSoftmax(-1);
            NDArray targets = batch.get(new NDIndex(":, 1:")).expandDims(-1);
            float[] picked = logProbs.gather(targets, -1).toFloatArray();
            double sum = 0;
            for (float p : picked) {
                sum -= p;
            }
            return sum;
        }
    }
}
