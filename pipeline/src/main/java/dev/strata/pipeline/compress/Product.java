package dev.strata.pipeline.compress;

import dev.strata.pipeline.model.LlamaConfig;
import java.util.List;

/**
 * A model a method made, as the report lists it.
 *
 * @param label its name in the report, unique in a run ("come merge+distill 3L")
 * @param result true for what the method is for (a distilled or trained model, a pruned one); false for the steps
 *     and baselines shown beside it (merge alone, the untrained prune). A recipe exports its first method's smallest
 *     result.
 * @param description one line on what was done ("layers 2..3 (cosine 0.743) replaced by ffn")
 * @param training the losses of every training that made it, in order
 * @param parameters the parameters that compute (see {@link Plan#parameters})
 */
public record Product(String label, StoredModel model, boolean result, String description,
        List<TrainingRecord> training, int layers, long parameters) {

    public Product {
        training = List.copyOf(training);
    }

    /** A product whose training is the stored model's own; {@code original} is the config of the run's model. */
    public static Product of(String label, StoredModel model, boolean result, String description,
            LlamaConfig original) {
        return new Product(label, model, result, description, model.training(), model.layers(),
                model.plan().parameters(original));
    }

    /** The same product, with the losses of every training that made it. */
    public Product withTraining(List<TrainingRecord> all) {
        return new Product(label, model, result, description, all, layers, parameters);
    }
}
