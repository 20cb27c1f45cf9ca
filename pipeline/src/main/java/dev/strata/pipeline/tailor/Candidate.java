package dev.strata.pipeline.tailor;

import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.compress.Plan;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.ModelFolder;
import java.nio.file.Path;
import java.util.Map;

/**
 * One assembled candidate: a model that shares the base's embeddings, norm and head and the layers it takes
 * unchanged from the base and the variants, and owns only the layers it merged. Closing it frees those alone;
 * the base and the variants stay usable.
 */
public final class Candidate implements AutoCloseable {
    private final Genotype genotype;
    private final LlamaModel model;
    private final NDManager merged;
    private final Plan plan;

    Candidate(Genotype genotype, LlamaModel model, NDManager merged, Plan plan) {
        this.genotype = genotype;
        this.model = model;
        this.merged = merged;
        this.plan = plan;
    }

    public Genotype genotype() {
        return genotype;
    }

    /** The candidate's forward; not to be used after the candidate, the base or a variant is closed. */
    public LlamaModel model() {
        return model;
    }

    /** Where each of the candidate's layers comes from: base layer, variant, merge coefficients. */
    public Plan plan() {
        return plan;
    }

    /** The candidate's weights as a standard Llama checkpoint (layers renumbered from 0, the base's side files). */
    public Checkpoint toCheckpoint() {
        return model.toCheckpoint();
    }

    /** Writes the candidate as a Hugging Face folder with {@value Plan#FILE} beside the weights. */
    public void write(Path dir) {
        ModelFolder.write(toCheckpoint(), dir, ModelFolder.DEFAULT_MAX_SHARD_BYTES, Map.of(Plan.FILE, plan.toJson()));
    }

    @Override
    public void close() {
        model.close(); // a view: closes nothing it shares
        merged.close();
    }
}
