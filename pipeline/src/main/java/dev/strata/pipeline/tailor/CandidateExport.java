package dev.strata.pipeline.tailor;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.Tensor;
import dev.strata.pipeline.surgery.LayerAssembly;
import java.util.ArrayList;
import java.util.List;

/**
 * The candidate a genotype describes, as a view of the stored base and variants for export, in the base's storage
 * type: a layer taken unchanged is streamed from its model's files, a merged layer is computed tensor by tensor as it
 * is written, from the base's and the chosen variants' tensors. What {@link CandidateAssembler} assembles in memory for a trial, without holding any
 * model: the same values, written one tensor at a time.
 */
public final class CandidateExport {
    private CandidateExport() {
    }

    /** The genotype's candidate over {@code base} and its {@code variants} (of the base's architecture). */
    public static ModelWeights of(ModelWeights base, List<? extends ModelWeights> variants, LayerMerge merge,
            Genotype genotype) {
        LlamaConfig config = base.config();
        if (genotype.genes().size() != config.numLayers()) {
            throw new StrataException("the genotype has " + genotype.genes().size() + " genes, the base "
                    + config.numLayers() + " layers");
        }
        List<LayerAssembly.Layer> layers = new ArrayList<>();
        for (int l : genotype.kept()) {
            Genotype.Gene gene = genotype.genes().get(l);
            List<Integer> chosen = gene.chosen();
            int layer = l;
            layers.add(switch (chosen.size()) {
                case 0 -> new LayerAssembly.Kept(base, l);
                case 1 -> taken(variants.get(chosen.get(0)), l, base);
                default -> new LayerAssembly.Computed(base, layer, kind -> {
                    String name = kind.name(layer);
                    Tensor own = base.load(name);
                    List<float[]> values = chosen.stream().map(v -> variants.get(v).load(name).toFloatArray()).toList();
                    float[] merged = merge.merge(name, own.toFloatArray(), values, chosen, gene.lambda());
                    return Tensor.of(name, config.dtype(), own.shape(), merged);
                });
            });
        }
        return new LayerAssembly(base, layers);
    }

    /** A variant's layer as it is, or converted tensor by tensor where the variant stores another type than the base. */
    private static LayerAssembly.Layer taken(ModelWeights variant, int layer, ModelWeights base) {
        if (variant.config().dtype() == base.config().dtype()) {
            return new LayerAssembly.Kept(variant, layer);
        }
        // stored in the image of the base's own layer: its types
        return new LayerAssembly.Computed(base, layer, kind -> variant.load(kind.name(layer)));
    }
}
