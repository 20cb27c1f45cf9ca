package dev.strata.pipeline.forward;

import ai.djl.ndarray.NDArray;

/** Root-mean-square normalisation over the last axis, scaled per channel: x / sqrt(mean(x^2) + eps) * w. */
public record RmsNorm(NDArray weight, float eps) {
    public NDArray apply(NDArray x) {
        NDArray rms = x.square().mean(new int[] {-1}, true).add(eps).sqrt();
        return x.div(rms).mul(weight);
    }
}
