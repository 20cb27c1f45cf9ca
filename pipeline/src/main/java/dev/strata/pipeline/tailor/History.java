package dev.strata.pipeline.tailor;

import java.util.ArrayList;
import java.util.List;

/**
 * What an optimiser knows: the trials told, in the order they were told, and the proposals asked but not yet told
 * (so that a sampler does not ask for them again). A rerun rebuilds it from the told trials alone.
 */
public record History(List<Trial> told, List<Proposal> pending) {

    public History {
        told = List.copyOf(told);
        pending = List.copyOf(pending);
    }

    /** Every genotype told or pending, in that order (repeats included). */
    public List<Genotype> genotypes() {
        List<Genotype> out = new ArrayList<>();
        told.forEach(t -> out.add(t.proposal().genotype()));
        pending.forEach(p -> out.add(p.genotype()));
        return out;
    }
}
