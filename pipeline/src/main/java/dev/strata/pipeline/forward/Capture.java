package dev.strata.pipeline.forward;

/**
 * What a forward pass records besides its output. Recording costs nothing when off: the arrays are computed
 * anyway and simply not kept.
 *
 * @param hiddenStates the residual stream at every layer boundary, h_0 (embeddings) .. h_L (before the final norm)
 * @param attentionOutputs per layer, the attention output before o_proj, [batch, seq, heads * head_dim]
 * @param mlpActivations per layer, the MLP intermediate silu(gate x) * up x, [batch, seq, intermediate]
 * @param logits the language-model head output, [batch, seq, vocab]
 * @param lastHidden h_L alone (the last layer's output, before the final norm), for applying the head to chosen
 *     positions only ({@link LlamaModel#head})
 */
public record Capture(boolean hiddenStates, boolean attentionOutputs, boolean mlpActivations, boolean logits,
        boolean lastHidden) {
    /** Logits only: a plain forward pass. */
    public static final Capture LOGITS = new Capture(false, false, false, true, false);
    /** Nothing beyond the layer outputs themselves (for running single layers). */
    public static final Capture NONE = new Capture(false, false, false, false, false);
    /** The hidden states h_0 .. h_L only. */
    public static final Capture HIDDEN = new Capture(true, false, false, false, false);
    /** The hidden states and the logits. */
    public static final Capture HIDDEN_AND_LOGITS = new Capture(true, false, false, true, false);
    /** The last layer's output only. */
    public static final Capture LAST_HIDDEN = new Capture(false, false, false, false, true);
    /** Everything. */
    public static final Capture ALL = new Capture(true, true, true, true, true);
}
