package dev.strata.pipeline.forward;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * The result of one forward pass; arrays are attached to the manager of the token array passed in, and
 * lists are empty when their {@link Capture} flag was off.
 *
 * @param logits [batch, seq, vocab], or null when not captured
 * @param hiddenStates h_0 .. h_L, each [batch, seq, hidden]
 * @param attentionOutputs per layer [batch, seq, heads * head_dim]
 * @param mlpActivations per layer [batch, seq, intermediate]
 * @param lastHidden h_L [batch, seq, hidden], or null when not captured
 */
public record ForwardOutput(NDArray logits, List<NDArray> hiddenStates, List<NDArray> attentionOutputs,
        List<NDArray> mlpActivations, NDArray lastHidden) {
}
