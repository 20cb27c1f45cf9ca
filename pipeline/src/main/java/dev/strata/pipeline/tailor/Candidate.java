package dev.strata.pipeline.tailor;

import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.compress.Plan;
import dev.strata.pipeline.forward.LlamaModel;

/**
 * One assembled candidate: a model that shares the base's embeddings, norm and head and the layers it takes
 * unchanged from the base and the variants, and owns only the layers it merged. Closing it frees those alone;
 * the base and the variants stay usable. (What is exported is the same candidate as a view of the stored models:
 * {@link CandidateExport}.)
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

    @Override
    public void close() {
        model.close(); // a view: closes nothing it shares
        merged.close();
    }
}
