package dev.strata.pipeline.util;

import dev.strata.pipeline.StrataException;

/** Checks of command-line values, with messages that name the option. */
public final class Require {
    private Require() {
    }

    /** {@code value} is absent (null) or at least 1. */
    public static void positive(String option, Integer value) {
        if (value != null && value < 1) {
            throw new StrataException(option + " must be at least 1, got " + value);
        }
    }
}
