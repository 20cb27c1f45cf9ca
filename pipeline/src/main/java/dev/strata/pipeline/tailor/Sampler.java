package dev.strata.pipeline.tailor;

import dev.strata.pipeline.StrataException;
import java.util.List;
import java.util.Random;

/**
 * Where new configurations come from: uniform at random, a warm start, or a surrogate model fitted on the history.
 * Must draw its randomness from {@code random} only, so that the search stays replayable.
 */
public interface Sampler {

    /** Exactly {@code count} genotypes, given what was told and what is pending. */
    List<Genotype> sample(int count, History history, Random random);

    /** {@link #sample}, refusing a sampler that returns another number than asked. */
    default List<Genotype> sampleExactly(int count, History history, Random random) {
        List<Genotype> out = sample(count, history, random);
        if (out.size() != count) {
            throw new StrataException("the sampler gave " + out.size() + " genotypes, asked " + count);
        }
        return out;
    }
}
