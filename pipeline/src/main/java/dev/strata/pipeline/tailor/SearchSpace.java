package dev.strata.pipeline.tailor;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.tailor.Genotype.Gene;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * The genotypes GPTailor searches: exactly {@code removed} of the base's {@code layers} layers removed, and per kept
 * layer a choice among {@code variants} fine-tuned variants with lambda in [0, 1]. A removed layer's gene carries no
 * choice (an all-false mask and lambda 0), so that one model has one genotype.
 */
public record SearchSpace(int layers, int variants, int removed) {

    public SearchSpace {
        if (removed < 0 || removed >= layers) {
            throw new StrataException("'layers' " + removed + " must lie in 0.." + (layers - 1) + " (the base has "
                    + layers + " layers, and at least one must stay)");
        }
        if (variants < 1) {
            throw new StrataException("'variants' must be at least 1, got " + variants);
        }
    }

    /**
     * A genotype drawn uniformly: the removed layers a uniform {@code removed}-subset, each mask bit a fair coin,
     * lambda uniform in [0, 1).
     */
    public Genotype random(Random r) {
        // partial Fisher-Yates: the first `removed` of a shuffled index list are a uniform subset
        int[] order = new int[layers];
        for (int i = 0; i < layers; i++) {
            order[i] = i;
        }
        boolean[] drop = new boolean[layers];
        for (int k = 0; k < removed; k++) {
            int j = k + r.nextInt(layers - k);
            int t = order[k];
            order[k] = order[j];
            order[j] = t;
            drop[order[k]] = true;
        }
        List<Gene> genes = new ArrayList<>(layers);
        for (int i = 0; i < layers; i++) {
            if (drop[i]) {
                genes.add(removedGene());
            } else {
                boolean[] mask = new boolean[variants];
                for (int m = 0; m < variants; m++) {
                    mask[m] = r.nextBoolean();
                }
                genes.add(new Gene(false, mask, r.nextDouble()));
            }
        }
        return new Genotype(genes);
    }

    /** Warm start: the given layers removed, every kept layer the base's own. */
    public Genotype baseOnly(Collection<Integer> removedLayers) {
        return uniform(removedLayers, new boolean[variants], 0);
    }

    /** Warm start: the given layers removed, every kept layer variant {@code m}'s (lambda 1: the variant itself). */
    public Genotype variantOnly(int m, Collection<Integer> removedLayers) {
        if (m < 0 || m >= variants) {
            throw new StrataException("variant " + m + " must lie in 0.." + (variants - 1));
        }
        boolean[] mask = new boolean[variants];
        mask[m] = true;
        return uniform(removedLayers, mask, 1);
    }

    private Genotype uniform(Collection<Integer> removedLayers, boolean[] mask, double lambda) {
        TreeSet<Integer> drop = new TreeSet<>(removedLayers);
        List<Gene> genes = new ArrayList<>(layers);
        for (int i = 0; i < layers; i++) {
            genes.add(drop.contains(i) ? removedGene() : new Gene(false, mask, lambda));
        }
        Genotype g = new Genotype(genes);
        check(g);
        return g;
    }

    private Gene removedGene() {
        return new Gene(true, new boolean[variants], 0);
    }

    /** Whether {@code g} lies in this space; see {@link #check}. */
    public boolean contains(Genotype g) {
        return problem(g) == null;
    }

    /** Throws unless {@code g} lies in this space, saying why. */
    public void check(Genotype g) {
        String problem = problem(g);
        if (problem != null) {
            throw new StrataException("genotype outside the search space: " + problem);
        }
    }

    private String problem(Genotype g) {
        if (g.genes().size() != layers) {
            return g.genes().size() + " genes for " + layers + " layers";
        }
        int count = 0;
        for (int i = 0; i < layers; i++) {
            Gene gene = g.genes().get(i);
            if (gene.variants().length != variants) {
                return "layer " + i + " has a mask of " + gene.variants().length + " variants, not " + variants;
            }
            if (!(gene.lambda() >= 0 && gene.lambda() <= 1)) {
                return "layer " + i + " has lambda " + gene.lambda() + " outside [0, 1]";
            }
            if (gene.removed()) {
                count++;
                if (!gene.chosen().isEmpty() || gene.lambda() != 0) {
                    return "removed layer " + i + " carries variants or a lambda";
                }
            }
        }
        return count == removed ? null : count + " layers removed, not " + removed;
    }

    /** Length of {@link #features}: per layer removed, one bit per variant, lambda. */
    public int featureCount() {
        return layers * (2 + variants);
    }

    /** {@code g} as numbers for a surrogate model: per layer 1 if removed else 0, each mask bit as 0/1, lambda. */
    public double[] features(Genotype g) {
        check(g);
        double[] out = new double[featureCount()];
        int k = 0;
        for (Gene gene : g.genes()) {
            out[k++] = gene.removed() ? 1 : 0;
            for (boolean bit : gene.variants()) {
                out[k++] = bit ? 1 : 0;
            }
            out[k++] = gene.lambda();
        }
        return out;
    }
}
