package dev.strata.pipeline.tailor;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One candidate of the GPTailor search, gene by gene over the base's layers: a layer is removed, or kept with a choice
 * of the variants it takes and a coefficient lambda in [0, 1]. Kept with no variant: the base's layer; with one: that
 * variant's layer; with several: their merge with the base (task arithmetic by default:
 * base + lambda * sum_m (variant_m - base)). The space it lives in ({@link SearchSpace}) fixes how many are removed.
 */
public record Genotype(List<Gene> genes) implements Serializable {

    /** What becomes of one base layer. {@code variants} is empty for a removed layer or the base's own layer. */
    public record Gene(boolean removed, boolean[] variants, double lambda) implements Serializable {
        public Gene {
            variants = variants.clone();
        }

        /** The variants this layer takes, by index. */
        public List<Integer> chosen() {
            List<Integer> out = new ArrayList<>();
            for (int m = 0; m < variants.length; m++) {
                if (variants[m]) {
                    out.add(m);
                }
            }
            return out;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Gene g && removed == g.removed && Arrays.equals(variants, g.variants)
                    && Double.compare(lambda, g.lambda) == 0;
        }

        @Override
        public int hashCode() {
            return 31 * (31 * Boolean.hashCode(removed) + Arrays.hashCode(variants)) + Double.hashCode(lambda);
        }
    }

    public Genotype {
        genes = List.copyOf(genes);
    }

    /** Base layers removed, ascending. */
    public List<Integer> removed() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < genes.size(); i++) {
            if (genes.get(i).removed()) {
                out.add(i);
            }
        }
        return out;
    }

    /** Base layers kept, ascending: the output model's layers, in order. */
    public List<Integer> kept() {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < genes.size(); i++) {
            if (!genes.get(i).removed()) {
                out.add(i);
            }
        }
        return out;
    }
}
