package dev.strata.pipeline.tailor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Hand-made configurations first (GPTailor warm-starts with the base and each variant, lowest-BI layers removed),
 * then {@code then}. One already told or pending is not given again, so a rerun does not repeat the warm start.
 */
public record InitialDesign(List<Genotype> first, Sampler then) implements Sampler {

    public InitialDesign {
        first = List.copyOf(first);
    }

    @Override
    public List<Genotype> sample(int count, History history, Random random) {
        Set<Genotype> seen = new HashSet<>(history.genotypes());
        List<Genotype> out = new ArrayList<>(count);
        for (Genotype g : first) {
            if (out.size() < count && seen.add(g)) {
                out.add(g);
            }
        }
        if (out.size() < count) {
            out.addAll(then.sample(count - out.size(), history, random));
        }
        return out;
    }
}
