package dev.strata.pipeline.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.util.Progress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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

    /** Perplexity of a token stream cut into non-overlapping windows of {@code seqLen} (the last partial dropped). */
    public static Result evaluate(LlamaModel model, int[] tokens, int seqLen, int batchSize) {
        return evaluate(model, tokens, seqLen, batchSize, Integer.MAX_VALUE);
    }

    /** As {@link #evaluate(LlamaModel, int[], int, int)} on the first {@code maxWindows} windows only. */
    public static Result evaluate(LlamaModel model, int[] tokens, int seqLen, int batchSize, int maxWindows) {
        if (maxWindows < 1) {
            throw new StrataException("--windows must be at least 1, got " + maxWindows);
        }
        if (seqLen < 2) {
            throw new StrataException("--seq-len must be at least 2 (one context token and one predicted), got " + seqLen);
        }
        if (seqLen > model.config().maxPositions()) {
            throw new StrataException("--seq-len " + seqLen + " is above max_position_embeddings "
                    + model.config().maxPositions() + " of " + model.config().source());
        }
        List<int[]> windows = windows(tokens, seqLen);
        Result r = evaluateWindows(model, windows.subList(0, Math.min(maxWindows, windows.size())), batchSize);
        return new Result(tokens.length, r.windows(), r.seqLen(), r.predicted(), r.nll(), r.seconds());
    }

    /** A token stream cut into non-overlapping windows of {@code seqLen}, the last partial one dropped. */
    public static List<int[]> windows(int[] tokens, int seqLen) {
        int windows = tokens.length / seqLen;
        if (windows == 0) {
            throw new StrataException("the text gives " + tokens.length + " tokens (BOS included), fewer than one window of " + seqLen);
        }
        List<int[]> cut = new ArrayList<>(windows);
        for (int w = 0; w < windows; w++) {
            cut.add(Arrays.copyOfRange(tokens, w * seqLen, (w + 1) * seqLen));
        }
        return cut;
    }

    /**
     * Perplexity over windows of equal length, each window's first token context only; windows are batched in
     * the order given.
     */
    public static Result evaluateWindows(LlamaModel model, List<int[]> windows, int batchSize) {
        Progress progress = new Progress("ppl", windows.size(), "windows");
        double[] nlls = windowNlls(model, windows, batchSize, progress);
        for (int w = 0; w < nlls.length; w++) {
            if (!Double.isFinite(nlls[w])) {
                throw new StrataException(model.config().source() + ": the log-likelihood of window " + w + " is "
                        + (-nlls[w]) + "; the model's outputs are not finite");
            }
        }
        double nll = Arrays.stream(nlls).sum();
        int seqLen = windows.get(0).length;
        return new Result((long) windows.size() * seqLen, windows.size(), seqLen,
                (long) windows.size() * (seqLen - 1), nll, progress.elapsedSeconds());
    }

    /**
     * The negative log-likelihood of each window (nats, summed over its tokens after the first), windows batched in
     * the order given.
     *
     * @param progress where to report, or null
     */
    public static double[] windowNlls(LlamaModel model, List<int[]> windows, int batchSize, Progress progress) {
        if (batchSize < 1) {
            throw new StrataException("--batch must be at least 1, got " + batchSize);
        }
        if (windows.isEmpty()) {
            throw new StrataException("perplexity needs at least one window");
        }
        int seqLen = windows.get(0).length;
        double[] out = new double[windows.size()];
        for (int first = 0; first < windows.size(); first += batchSize) {
            List<int[]> batch = windows.subList(first, Math.min(windows.size(), first + batchSize));
            double[] nll = batchNll(model, batch);
            System.arraycopy(nll, 0, out, first, nll.length);
            if (progress != null) {
                progress.advance(batch.size(), (long) batch.size() * seqLen);
            }
        }
        return out;
    }

    /** The NLL of each window of a batch of windows of equal length. */
    private static double[] batchNll(LlamaModel model, List<int[]> batch) {
        try (NDManager scope = model.newScope()) {
            NDArray tokens = model.tokens(scope, batch);
            NDArray logProbs = model.logits(tokens).get(new NDIndex(":, :-1, :")).logSoftmax(-1);
            NDArray targets = tokens.get(new NDIndex(":, 1:")).expandDims(-1);
            float[] picked = logProbs.gather(targets, -1).toFloatArray();
            int perWindow = picked.length / batch.size();
            double[] out = new double[batch.size()];
            for (int i = 0; i < picked.length; i++) {
                out[i / perWindow] -= picked[i];
            }
            return out;
        }
    }
}
