package dev.strata.pipeline.train;

import dev.strata.pipeline.StrataException;

/**
 * How a layer or a model is trained: AdamW with a learning rate decaying from {@code learningRate} to
 * {@code finalLearningRate} on a cosine over all steps, decoupled weight decay, gradient clipping by global norm.
 *
 * @param epochs passes over the training windows
 * @param batch windows per step
 * @param clipNorm largest global gradient norm (larger gradients are scaled down); 0 for no clipping
 */
public record TrainSettings(double learningRate, double finalLearningRate, double weightDecay, double clipNorm,
        int epochs, int batch) implements java.io.Serializable {

    public TrainSettings {
        positive(learningRate, "learning_rate");
        if (!(finalLearningRate >= 0 && finalLearningRate <= learningRate)) {
            throw new StrataException("final_learning_rate " + finalLearningRate + " must lie in 0..learning_rate ("
                    + learningRate + ")");
        }
        if (!(weightDecay >= 0)) {
            throw new StrataException("weight_decay " + weightDecay + " must be >= 0");
        }
        if (!(clipNorm >= 0)) {
            throw new StrataException("clip_norm " + clipNorm + " must be >= 0 (0: no clipping)");
        }
        if (epochs < 1 || batch < 1) {
            throw new StrataException("epochs and batch must be at least 1, got " + epochs + " and " + batch);
        }
    }

    private static void positive(double v, String name) {
        if (!(v > 0)) {
            throw new StrataException(name + " " + v + " must be > 0");
        }
    }

    /** Optimiser steps over {@code windows} training windows. */
    public int steps(long windows) {
        return (int) (epochs * ((windows + batch - 1) / batch));
    }
}
