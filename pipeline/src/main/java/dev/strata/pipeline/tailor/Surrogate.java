package dev.strata.pipeline.tailor;

import java.util.List;

/**
 * A regression model of a search's cost over candidates' features (a random forest in SMAC's manner): for each
 * candidate, the mean of its members' predictions and their spread, which expected improvement weighs.
 */
public interface Surrogate {
    /** The mean and the standard deviation of the prediction, per row of {@code features}. */
    double[][] predict(List<double[]> features);

    /** Fits surrogates; deterministic for a seed, whatever the cluster. */
    interface Fitter {
        Surrogate fit(List<double[]> features, double[] costs, long seed);
    }
}
