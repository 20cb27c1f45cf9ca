package dev.strata.pipeline.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.forward.Capture;
import dev.strata.pipeline.forward.LlamaModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Log-likelihoods of continuations given contexts, as lm-evaluation-harness computes them: the sum over a
 * continuation's tokens of log p(token | everything before it), and whether every token is the model's greedy
 * choice.
 *
 * <p>A context is computed once for all its continuations: they are packed into one row after it, each seeing the
 * context and its own earlier tokens only, with positions that restart after the context; rows of several
 * requests form a batch, longest rows first so that little is padded. A continuation's last token is never fed
 * (nothing is predicted from it), as in lm-eval.
 * When a context and a continuation together exceed the model's window of max_position_embeddings + 1 tokens,
 * the context is cut from the left for that continuation (lm-eval's rule) and each continuation of that request is
 * scored on its own.
 */
public final class LoglikelihoodScorer {
    private final LlamaModel model;
    private final int batchTokens;
    private long fedTokens;

    /** @param batchTokens tokens per forward pass (rows x longest row), at least one row */
    public LoglikelihoodScorer(LlamaModel model, int batchTokens) {
        if (batchTokens < 1) {
            throw new IllegalArgumentException("batch tokens must be positive, got " + batchTokens);
        }
        this.model = model;
        this.batchTokens = batchTokens;
    }

    /** A context (at least one token, e.g. BOS) and the continuations scored after it. */
    public record Request(int[] context, List<int[]> continuations) {
        public Request {
            if (context.length == 0) {
                throw new IllegalArgumentException("a context needs at least one token");
            }
            for (int[] c : continuations) {
                if (c.length == 0) {
                    throw new IllegalArgumentException("a continuation needs at least one token");
                }
            }
        }
    }

    /**
     * @param loglik sum of the continuation tokens' log-probabilities (nats)
     * @param tokens the continuation's tokens
     * @param greedy true when each token is the most likely one given what precedes it
     */
    public record Score(double loglik, int tokens, boolean greedy) {
    }

    /** One packed row: a context and some continuations of one request. */
    private record Pack(int request, int[] context, int[] options, List<int[]> continuations) {
        int length() {
            return context.length + continuations.stream().mapToInt(c -> c.length - 1).sum();
        }
    }

    /** The scores of every continuation, by request and option. */
    public List<List<Score>> score(List<Request> requests) {
        List<Score[]> results = new ArrayList<>();
        List<Pack> packs = new ArrayList<>();
        for (int r = 0; r < requests.size(); r++) {
            results.add(new Score[requests.get(r).continuations().size()]);
            packs.addAll(packsOf(r, requests.get(r)));
        }
        // longest first, so that rows of similar length share a batch and little is padded (a stable order)
        packs.sort(java.util.Comparator.comparingInt(Pack::length).reversed());
        int first = 0;
        while (first < packs.size()) {
            int end = first + 1;
            int longest = packs.get(first).length();
            while (end < packs.size()
                    && (long) (end - first + 1) * Math.max(longest, packs.get(end).length()) <= batchTokens) {
                longest = Math.max(longest, packs.get(end).length());
                end++;
            }
            scoreBatch(packs.subList(first, end), results);
            first = end;
        }
        List<List<Score>> out = new ArrayList<>();
        results.forEach(r -> out.add(List.of(r)));
        return out;
    }

    private List<Pack> packsOf(int index, Request r) {
        int window = model.config().maxPositions() + 1;
        int[] all = new int[r.continuations().size()];
        Arrays.setAll(all, i -> i);
        boolean fits = r.continuations().stream().allMatch(c -> r.context().length + c.length <= window);
        if (fits) {
            return List.of(new Pack(index, r.context(), all, r.continuations()));
        }
        List<Pack> alone = new ArrayList<>();
        for (int j = 0; j < all.length; j++) {
            int[] c = r.continuations().get(j);
            if (c.length >= window) {
                throw new StrataException("a continuation of " + c.length + " tokens does not fit the model's context of "
                        + model.config().maxPositions() + " tokens with any context");
            }
            int keep = Math.min(r.context().length, window - c.length);
            int[] context = Arrays.copyOfRange(r.context(), r.context().length - keep, r.context().length);
            alone.add(new Pack(index, context, new int[] {j}, List.of(c)));
        }
        return alone;
    }

    /** Tokens fed through the model so far (padding excluded): the work the scores cost. */
    public long fedTokens() {
        return fedTokens;
    }

    private void scoreBatch(List<Pack> batch, List<Score[]> results) {
        int rows = batch.size();
        int width = batch.stream().mapToInt(Pack::length).max().orElseThrow();
        fedTokens += batch.stream().mapToLong(Pack::length).sum();
        long[] tokens = new long[rows * width];
        long[] positions = new long[rows * width];
        float[] mask = new float[rows * width * width];
        Arrays.fill(mask, Float.NEGATIVE_INFINITY);
        List<Long> predictors = new ArrayList<>();
        List<Long> targets = new ArrayList<>();
        for (int b = 0; b < rows; b++) {
            Pack p = batch.get(b);
            int c = p.context().length;
            int base = b * width;
            for (int t = 0; t < c; t++) {
                tokens[base + t] = p.context()[t];
                positions[base + t] = t;
                allow(mask, width, b, t, 0, t + 1);
            }
            int cursor = c;
            for (int[] cont : p.continuations()) {
                int start = cursor;
                for (int k = 0; k + 1 < cont.length; k++) {
                    int at = start + k;
                    tokens[base + at] = cont[k];
                    positions[base + at] = c + k;
                    allow(mask, width, b, at, 0, c);
                    allow(mask, width, b, at, start, at + 1);
                }
                for (int k = 0; k < cont.length; k++) {
                    predictors.add((long) base + (k == 0 ? c - 1 : start + k - 1));
                    targets.add((long) cont[k]);
                }
                cursor += cont.length - 1;
            }
            for (int pad = cursor; pad < width; pad++) {
                allow(mask, width, b, pad, pad, pad + 1);
            }
        }
        float[] logProbs;
        long[] argmax;
        try (NDManager scope = model.newScope()) {
            NDArray ids = scope.create(tokens, new Shape(rows, width));
            NDArray pos = scope.create(positions, new Shape(rows, width));
            NDArray attend = scope.create(mask, new Shape(rows, width, width));
            NDArray last = model.forward(ids, pos, attend, Capture.LAST_HIDDEN).lastHidden();
            NDArray at = scope.create(predictors.stream().mapToLong(Long::longValue).toArray());
            NDArray picked = last.reshape(-1, last.getShape().get(2)).get(new NDIndex("{}", at));
            NDArray scores = model.head(picked).logSoftmax(-1);
            NDArray wanted = scope.create(targets.stream().mapToLong(Long::longValue).toArray()).expandDims(-1);
            logProbs = scores.gather(wanted, -1).toFloatArray();
            argmax = scores.argMax(-1).toType(DataType.INT64, false).toLongArray();
        }
        int next = 0;
        for (Pack p : batch) {
            for (int o = 0; o < p.options().length; o++) {
                int[] cont = p.continuations().get(o);
                double sum = 0;
                boolean greedy = true;
                for (int k = 0; k < cont.length; k++, next++) {
                    sum += logProbs[next];
                    greedy &= argmax[next] == cont[k];
                }
                results.get(p.request())[p.options()[o]] = new Score(sum, cont.length, greedy);
            }
        }
    }

    /** Lets query {@code row} of sequence {@code b} attend to keys [from, to). */
    private static void allow(float[] mask, int width, int b, int row, int from, int to) {
        int offset = (b * width + row) * width;
        Arrays.fill(mask, offset + from, offset + to, 0f);
    }
}
