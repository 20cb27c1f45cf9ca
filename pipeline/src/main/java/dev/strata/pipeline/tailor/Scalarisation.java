package dev.strata.pipeline.tailor;

import java.util.List;

/**
 * How several objectives (one per task) become one cost, so that configurations can be ranked. Must be a function of
 * its arguments (and its own settings) alone, so that a replayed search ranks as the first run did.
 */
public interface Scalarisation {

    /**
     * One cost per vector of {@code candidates}, lower is better.
     *
     * @param seen every objective vector told so far (a scalarisation may normalise by it)
     * @param draw keys any randomness: the same draw gives the same weights
     */
    double[] costs(List<double[]> candidates, List<double[]> seen, long draw);

    /** The mean of the objectives: the objective itself when there is one task. */
    Scalarisation MEAN = (candidates, seen, draw) -> candidates.stream().mapToDouble(Result::mean).toArray();
}
