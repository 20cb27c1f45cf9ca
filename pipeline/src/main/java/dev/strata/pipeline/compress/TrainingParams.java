package dev.strata.pipeline.compress;

import dev.strata.pipeline.settings.Param;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.train.TrainSettings;

/**
 * The optimiser settings of one training (AdamW, a cosine from the learning rate to the final one, decoupled weight
 * decay, global-norm clipping), declared under a key prefix ("training.", "distill.layers.") and a flag prefix
 * ("", "stage2-"), so that every method that trains says it the same way.
 */
public record TrainingParams(Param<Integer> epochs, Param<Double> learningRate, Param<Double> finalLearningRate,
        Param<Double> weightDecay, Param<Double> clipNorm) {

    /**
     * @param minEpochs 0 when the training may be skipped with epochs 0, else 1
     */
    public static TrainingParams of(String keyPrefix, String flagPrefix, int epochs, int minEpochs, double lr,
            double finalLr) {
        return new TrainingParams(
                Param.integer(keyPrefix + "epochs", epochs, "Passes over the training windows"
                        + (minEpochs == 0 ? "; 0 skips this training." : ".")).flag("--" + flagPrefix + "epochs")
                        .label("E").check(Param.atLeast(minEpochs)),
                Param.number(keyPrefix + "learning_rate", lr, "AdamW learning rate at the first step.")
                        .flag("--" + flagPrefix + "lr").label("LR").check(Param.positive()),
                Param.number(keyPrefix + "final_learning_rate", finalLr, "Learning rate at the end of the cosine.")
                        .flag("--" + flagPrefix + "final-lr").label("LR").check(Param.nonNegative()),
                Param.number(keyPrefix + "weight_decay", 1e-3, "AdamW's decoupled weight decay.")
                        .flag("--" + flagPrefix + "weight-decay").label("W").check(Param.nonNegative()),
                Param.number(keyPrefix + "clip_norm", 5.0, "Largest global gradient norm; 0: no clipping.")
                        .flag("--" + flagPrefix + "clip-norm").label("C").check(Param.nonNegative()));
    }

    public Params params() {
        return Params.of(epochs, learningRate, finalLearningRate, weightDecay, clipNorm);
    }

    /** The training with {@code batch} windows per step; null when its epochs are 0 (skipped). */
    public TrainSettings read(Settings s, int batch) {
        double lr = s.get(learningRate);
        double last = s.get(finalLearningRate);
        if (last > lr) {
            throw s.invalid(finalLearningRate, last + " must not exceed " + s.name(learningRate) + " " + lr);
        }
        int passes = s.get(epochs);
        return passes == 0 ? null : new TrainSettings(lr, last, s.get(weightDecay), s.get(clipNorm), passes, batch);
    }
}
