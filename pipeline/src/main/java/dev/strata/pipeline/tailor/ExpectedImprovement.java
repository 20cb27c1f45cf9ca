package dev.strata.pipeline.tailor;

/**
 * Expected improvement for minimisation, for a surrogate that predicts mean {@code mu} and standard deviation
 * {@code sigma}: {@code EI = (best - mu) Phi(z) + sigma phi(z)} with {@code z = (best - mu) / sigma}.
 */
public final class ExpectedImprovement {
    private static final double INV_SQRT_2PI = 0.3989422804014327;

    private ExpectedImprovement() {
    }

    /** EI of a prediction against the best value so far; with no spread, the plain improvement. Never negative. */
    public static double of(double mu, double sigma, double best) {
        if (!(sigma > 0)) {
            return Math.max(best - mu, 0);
        }
        double z = (best - mu) / sigma;
        // far in the lower tail the two terms cancel; their difference stays >= 0 up to rounding
        return Math.max(sigma * (z * cdf(z) + pdf(z)), 0);
    }

    /** The standard normal density. */
    public static double pdf(double z) {
        return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
    }

    /** The standard normal distribution function, from {@link #erfc}. */
    public static double cdf(double z) {
        return 0.5 * erfc(-z / Math.sqrt(2));
    }

    /**
     * The complementary error function by the Chebyshev fit of Numerical Recipes (2nd ed., 6.2, erfcc): fractional
     * error below 1.2e-7 everywhere, so the lower tail of {@link #cdf}, where EI lives, stays accurate.
     */
    public static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double ans = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? ans : 2 - ans;
    }
}
