package dev.strata.pipeline.tailor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.forward.DecoderLayer;
import dev.strata.pipeline.forward.Devices;
import dev.strata.pipeline.forward.LlamaModel;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds GPTailor's candidates from a base and its fine-tuned variants, all on one device. A candidate copies no
 * layer it takes unchanged: the base's or a variant's {@link DecoderLayer} object itself goes in; only a layer
 * merged from several variants is new, in an NDManager the candidate owns. Embeddings, final norm and head are
 * the base's.
 */
public final class CandidateAssembler {
    private final LlamaModel base;
    private final List<LlamaModel> variants;
    private final LayerMerge merge;

    /** With GPTailor's merge, task arithmetic. */
    public CandidateAssembler(LlamaModel base, List<LlamaModel> variants) {
        this(base, variants, LayerMerge.taskArithmetic(variants.size()));
    }

    public CandidateAssembler(LlamaModel base, List<LlamaModel> variants, LayerMerge merge) {
        VariantCheck.requireMatching(base, variants);
        if (merge.perVariant().size() != variants.size()) {
            throw new StrataException("the merge has settings for " + merge.perVariant().size() + " variant(s), there are "
                    + variants.size());
        }
        this.base = base;
        this.variants = List.copyOf(variants);
        this.merge = merge;
    }

    /** The candidate {@code genotype} describes; close it when done (the base and variants stay open). */
    public Candidate assemble(Genotype genotype) {
        requireFits(genotype);
        NDManager owned = NDManager.newBaseManager(base.device(), Devices.engine().getEngineName());
        try {
            List<DecoderLayer> layers = new ArrayList<>();
            for (int l : genotype.kept()) {
                Genotype.Gene gene = genotype.genes().get(l);
                List<Integer> chosen = gene.chosen();
                layers.add(switch (chosen.size()) {
                    case 0 -> base.layers().get(l);
                    case 1 -> variants.get(chosen.get(0)).layers().get(l);
                    default -> merged(l, chosen, gene.lambda(), owned);
                });
            }
            return new Candidate(genotype, base.withLayers(layers), owned, CandidatePlan.of(genotype, merge, base.config()));
        } catch (RuntimeException ex) {
            owned.close();
            throw ex;
        }
    }

    private void requireFits(Genotype genotype) {
        int layers = base.layers().size();
        if (genotype.genes().size() != layers) {
            throw new StrataException("the genotype has " + genotype.genes().size() + " genes, the base " + layers
                    + " layers");
        }
        for (int l = 0; l < layers; l++) {
            Genotype.Gene gene = genotype.genes().get(l);
            if (gene.variants().length != variants.size()) {
                throw new StrataException("gene " + l + " chooses among " + gene.variants().length + " variants, there are "
                        + variants.size());
            }
            int chosen = gene.chosen().size();
            String problem = chosen > 1 && !gene.removed() ? merge.countProblem(chosen) : null;
            if (problem != null) {
                throw new StrataException("gene " + l + " takes " + chosen + " variants, but merge method '"
                        + merge.operator().name() + "' " + problem);
            }
        }
    }

    /** Base layer {@code l} merged with the chosen variants' copies of it, tensor by tensor, on the base's device. */
    private DecoderLayer merged(int l, List<Integer> chosen, double lambda, NDManager owned) {
        DecoderLayer own = base.layers().get(l);
        return DecoderLayer.of(base.config(), t -> {
            NDArray weight = own.weight(t);
            List<float[]> values = chosen.stream().map(m -> variants.get(m).layers().get(l).weight(t).toFloatArray())
                    .toList();
            float[] merged = merge.merge(t.name(l), weight.toFloatArray(), values, chosen, lambda);
            return owned.create(merged, weight.getShape());
        });
    }
}
