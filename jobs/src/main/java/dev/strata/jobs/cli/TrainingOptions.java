package dev.strata.jobs.cli;

import dev.strata.pipeline.train.TrainSettings;
import picocli.CommandLine.Option;

/**
 * The optimiser options of every command that trains (AdamW, cosine learning rate, global-norm clipping); the
 * defaults are LLM-Streamline's published settings.
 */
final class TrainingOptions {
    @Option(names = "--epochs", paramLabel = "E", defaultValue = "1", description = "Passes over the training windows (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--train-batch", paramLabel = "B", defaultValue = "8", description = "Windows per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "2e-4", description = "AdamW learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--final-lr", paramLabel = "LR", defaultValue = "5e-5", description = "Final learning rate of the cosine (default: ${DEFAULT-VALUE}).")
    double finalLr;

    @Option(names = "--weight-decay", paramLabel = "W", defaultValue = "1e-3", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--clip-norm", paramLabel = "C", defaultValue = "5", description = "Gradient-norm clip, 0 for none (default: ${DEFAULT-VALUE}).")
    double clipNorm;

    TrainSettings settings() {
        return new TrainSettings(lr, finalLr, weightDecay, clipNorm, epochs, batch);
    }
}
