package dev.strata.pipeline.eval;

import dev.strata.pipeline.tokenize.Tokenizer;
import java.util.Arrays;

/**
 * lm-evaluation-harness's encoding of a (context, continuation) pair: trailing spaces of the context move to the
 * start of the continuation; the continuation's tokens are those of context + continuation beyond the context's
 * own tokens (so that a word split across the boundary is tokenized as in running text). BOS comes first when the
 * tokenizer adds it by default (tokenizer_config.json), as current lm-eval does; an empty context is BOS alone.
 */
public final class PairEncoder {
    private final Tokenizer tokenizer;

    public PairEncoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** {context tokens, continuation tokens}. */
    public int[][] encode(String context, String continuation) {
        String ctx = context.stripTrailing();
        String cont = context.substring(ctx.length()) + continuation;
        int[] contextTokens = withPrefix(ctx.isEmpty() ? new int[0] : tokenizer.encode(ctx), ctx.isEmpty());
        int[] whole = withPrefix(tokenizer.encode(ctx + cont), ctx.isEmpty());
        return new int[][] {contextTokens, Arrays.copyOfRange(whole, Math.min(contextTokens.length, whole.length), whole.length)};
    }

    /** BOS first when the tokenizer adds it, or always for an empty context (something to predict from). */
    private int[] withPrefix(int[] ids, boolean emptyContext) {
        if (!tokenizer.addsBos() && !emptyContext) {
            return ids;
        }
        int[] out = new int[ids.length + 1];
        out[0] = tokenizer.bosId();
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }
}
