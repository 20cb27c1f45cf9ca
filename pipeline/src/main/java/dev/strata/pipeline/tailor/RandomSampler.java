package dev.strata.pipeline.tailor;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Uniform draws from the space, blind to the history. */
public record RandomSampler(SearchSpace space) implements Sampler {

    @Override
    public List<Genotype> sample(int count, History history, Random random) {
        List<Genotype> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(space.random(random));
        }
        return out;
    }
}
