package dev.strata.pipeline.tailor;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.compress.LayerOrigin;
import dev.strata.pipeline.compress.Plan;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.settings.Settings;
import java.util.ArrayList;
import java.util.List;

/**
 * A candidate in the one plan format: per output layer, the base layer it stands for and what it is (the base's,
 * a variant's, or a merge with each variant's lambda); one step "gptailor" holding the genes and the merge.
 */
final class CandidatePlan {
    static final String METHOD = "gptailor";

    private CandidatePlan() {
    }

    static Plan of(Genotype genotype, LayerMerge merge, LlamaConfig base) {
        int[] groups = LayerOrigin.all(base.numKvHeads());
        int[] neurons = LayerOrigin.all(base.intermediateSize());
        List<LayerOrigin> layers = new ArrayList<>();
        for (int l : genotype.kept()) {
            Genotype.Gene gene = genotype.genes().get(l);
            List<Integer> chosen = gene.chosen();
            if (chosen.isEmpty()) {
                layers.add(LayerOrigin.original(l, base.numKvHeads(), base.intermediateSize()));
            } else if (chosen.size() == 1) {
                layers.add(new LayerOrigin(LayerOrigin.Kind.VARIANT,
                        List.of(new LayerOrigin.Source(l, groups, neurons, null, chosen.get(0)))));
            } else {
                List<LayerOrigin.Source> sources = new ArrayList<>();
                sources.add(new LayerOrigin.Source(l, groups, neurons));
                chosen.forEach(m -> sources.add(new LayerOrigin.Source(l, groups, neurons, gene.lambda(), m)));
                layers.add(new LayerOrigin(LayerOrigin.Kind.PARAMETER_MERGE, sources));
            }
        }
        return new Plan(genotype.genes().size(), layers, List.of(new Plan.PlanStep(1, METHOD, step(genotype, merge))));
    }

    private static ObjectNode step(Genotype genotype, LayerMerge merge) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("merge_method", merge.operator().name());
        out.set("parameters", merge.global().toJson());
        ArrayNode perVariant = out.putArray("variant_parameters");
        merge.perVariant().stream().map(Settings::toJson).forEach(perVariant::add);
        ArrayNode removed = out.putArray("removed");
        genotype.removed().forEach(removed::add);
        ArrayNode genes = out.putArray("genes");
        for (Genotype.Gene g : genotype.genes()) {
            ObjectNode gene = genes.addObject().put("removed", g.removed());
            g.chosen().forEach(gene.putArray("variants")::add);
            gene.put("lambda", g.lambda());
        }
        return out;
    }
}
