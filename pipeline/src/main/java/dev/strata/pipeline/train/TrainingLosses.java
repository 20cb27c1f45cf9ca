package dev.strata.pipeline.train;

/**
 * The losses of one training run: of its first and last steps, and the mean over the steps of its last epoch.
 *
 * @param steps optimiser steps taken
 */
public record TrainingLosses(double first, double last, double lastEpochMean, int steps) implements java.io.Serializable {
}
