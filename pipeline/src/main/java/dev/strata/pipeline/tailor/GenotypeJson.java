package dev.strata.pipeline.tailor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.tailor.Genotype.Gene;
import java.util.ArrayList;
import java.util.List;

/**
 * A genotype as one line of JSON, for the trials table and plan records:
 * {@code {"removed":[2],"layers":[{"variants":[0,2],"lambda":0.4},{"variants":[],"lambda":0.0},null]}}. One entry per
 * base layer, {@code null} where removed; {@code removed} repeats those positions so a reader sees them at a glance.
 * Field order is fixed, so equal genotypes give equal text. A removed gene's mask and lambda are not written (a
 * {@link SearchSpace}'s genotypes have none); reading gives it an all-false mask and lambda 0.
 */
public final class GenotypeJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GenotypeJson() {
    }

    public static String write(Genotype g) {
        try {
            return JSON.writeValueAsString(node(g));
        } catch (JsonProcessingException e) {
            throw new StrataException("cannot write genotype as JSON: " + e.getMessage(), e);
        }
    }

    public static ObjectNode node(Genotype g) {
        ObjectNode out = JSON.createObjectNode();
        g.removed().forEach(out.putArray("removed")::add);
        ArrayNode layers = out.putArray("layers");
        for (Gene gene : g.genes()) {
            if (gene.removed()) {
                layers.addNull();
            } else {
                ObjectNode layer = layers.addObject();
                gene.chosen().forEach(layer.putArray("variants")::add);
                layer.put("lambda", gene.lambda());
            }
        }
        return out;
    }

    /** The genotype written by {@link #write}, with masks over {@code variants} variants. */
    public static Genotype read(String text, int variants) {
        try {
            return read(JSON.readTree(text), variants);
        } catch (JsonProcessingException e) {
            throw new StrataException("genotype is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static Genotype read(JsonNode node, int variants) {
        JsonNode layers = node.path("layers");
        if (!layers.isArray()) {
            throw wrong("'layers' must be an array");
        }
        List<Gene> genes = new ArrayList<>();
        List<Integer> nulls = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            JsonNode layer = layers.get(i);
            if (layer.isNull()) {
                nulls.add(i);
                genes.add(new Gene(true, new boolean[variants], 0));
                continue;
            }
            boolean[] mask = new boolean[variants];
            for (JsonNode v : layer.path("variants")) {
                if (!v.isInt() || v.intValue() < 0 || v.intValue() >= variants) {
                    throw wrong("layer " + i + " names variant " + v + ", expected 0.." + (variants - 1));
                }
                mask[v.intValue()] = true;
            }
            if (!layer.path("lambda").isNumber()) {
                throw wrong("layer " + i + " has no numeric 'lambda'");
            }
            genes.add(new Gene(false, mask, layer.path("lambda").doubleValue()));
        }
        List<Integer> removed = new ArrayList<>();
        node.path("removed").forEach(r -> removed.add(r.asInt()));
        if (!removed.equals(nulls)) {
            throw wrong("'removed' " + removed + " disagrees with the null layers " + nulls);
        }
        return new Genotype(genes);
    }

    private static StrataException wrong(String why) {
        return new StrataException("genotype JSON: " + why);
    }
}
