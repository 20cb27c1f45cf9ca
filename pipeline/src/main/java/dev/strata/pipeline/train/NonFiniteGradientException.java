package dev.strata.pipeline.train;

import dev.strata.pipeline.StrataException;

/** A step's gradient held a value that is not finite; the optimiser made no update and cleared the gradients. */
public final class NonFiniteGradientException extends StrataException {
    private static final long serialVersionUID = 1L;

    public NonFiniteGradientException(String message) {
        super(message);
    }
}
