package dev.strata.pipeline.tailor;

import dev.strata.pipeline.compress.TrainingParams;
import dev.strata.pipeline.settings.Param;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.train.LanguageModelTuning;
import dev.strata.pipeline.train.TrainingTask;

/**
 * A full fine-tune of every decoder layer on the next-token loss: how GPTailor's variants are made, each on its own
 * text. The embeddings and the final norm stay the base's, so that the variants' layers can be combined. Declared
 * once for {@code strata finetune} and a recipe's variants.
 */
public final class Finetune {
    public static final TrainingParams TRAINING = TrainingParams.of("training.", "", 2, 1, 5e-4, 5e-5);
    public static final Param<Integer> BATCH = Param.integer("training.batch", 8, "Windows per optimiser step.")
            .flag("--train-batch").label("B").check(Param.atLeast(1));
    public static final Params PARAMS = TRAINING.params().and(BATCH);

    private Finetune() {
    }

    /** The training task of a fine-tune with {@code s}, named {@code name} in progress lines and records. */
    public static TrainingTask task(String name, Settings s) {
        return new LanguageModelTuning.EveryLayer(name, TRAINING.read(s, s.get(BATCH)));
    }
}
