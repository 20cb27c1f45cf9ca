package dev.strata.pipeline.score;

import dev.strata.pipeline.forward.ForwardOutput;
import java.io.Serializable;

/**
 * Sufficient statistics of a score over calibration data: sums in double and counts, filled batch by batch and
 * merged by addition. A partition of the data gives the same statistics whatever the partitioning, up to the
 * order of double additions, so local runs and Spark runs execute the same code. The empty accumulator is the
 * identity of {@link #merge}.
 */
public interface ScoreAccumulator<S extends ScoreAccumulator<S>> extends Serializable {
    /** Adds the activations of one batch (captured by the forward pass). */
    void add(ForwardOutput batch);

    /** Adds another accumulator's statistics to this one and returns this. */
    S merge(S other);
}
