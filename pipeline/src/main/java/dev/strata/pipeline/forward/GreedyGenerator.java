package dev.strata.pipeline.forward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.strata.pipeline.StrataException;
import java.util.Arrays;
import java.util.Set;

/**
 * Greedy (temperature 0) generation: repeatedly appends the most likely next token. Each step reruns the whole
 * sequence (no key/value cache): simple and exact, meant for checks and demos rather than serving.
 */
public final class GreedyGenerator {
    private final LlamaModel model;
    private final Set<Integer> stopIds;

    /** @param stopIds tokens that end generation (not included in the result) */
    public GreedyGenerator(LlamaModel model, Set<Integer> stopIds) {
        this.model = model;
        this.stopIds = Set.copyOf(stopIds);
    }

    /**
     * Extends {@code prompt} until a stop token or until the sequence holds {@code maxLength} tokens
     * (prompt included, capped by the model's context).
     */
    public int[] generate(int[] prompt, int maxLength) {
        if (prompt.length == 0) {
            throw new StrataException("generation needs at least one prompt token");
        }
        int limit = Math.min(maxLength, model.config().maxPositions());
        int[] tokens = Arrays.copyOf(prompt, Math.max(limit, prompt.length));
        int length = prompt.length;
        while (length < limit) {
            int next = nextToken(Arrays.copyOf(tokens, length));
            if (stopIds.contains(next)) {
                break;
            }
            tokens[length++] = next;
        }
        return Arrays.copyOf(tokens, length);
    }

    private int nextToken(int[] sequence) {
        try (NDManager scope = model.newScope()) {
            long[][] ids = {Arrays.stream(sequence).asLongStream().toArray()};
            NDArray logits = model.logits(model.tokens(scope, ids));
            return (int) logits.get(new NDIndex("0, -1, :")).argMax().getLong();
        }
    }
}
