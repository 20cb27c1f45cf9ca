package dev.strata.pipeline.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.testing.TinyModels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The one plan format (every method's layers and steps, read back equal), the teacher layers each layer stands for,
 * the parameters that compute, and the one way a size is asked for.
 */
class PlanTest {
    private final LlamaConfig config = TinyModels.config(6, 2, true); // hidden 32, MLP 48

    private static ObjectNode step(String key, int value) {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put(key, value);
        return s;
    }

    @Test
    void everyMethodsPlanReadsBackEqualAndCoversTheOriginalLayers() {
        Plan identity = Plan.identity(config);
        // bi removes layer 2; streamline puts an FFN for 3..4 (now 2..3); replaceme folds nothing more here
        Plan pruned = identity.remove(List.of(2), "bi", step("removed", 2));
        LayerOrigin ffn = LayerOrigin.forBlock(LayerOrigin.Kind.REPLACEMENT_FFN, List.of(3, 4), new int[0],
                LayerOrigin.all(48));
        Plan replaced = pruned.replace(2, 2, ffn, "streamline", step("start", 3));
        LayerOrigin weighted = new LayerOrigin(LayerOrigin.Kind.ORIGINAL,
                List.of(new LayerOrigin.Source(5, LayerOrigin.all(2), LayerOrigin.all(48), 0.25)));
        Plan plan = replaced.replace(3, 1, weighted, "test", step("x", 1)).with("streamline", step("training", 1));
        assertEquals(List.of(List.of(0), List.of(1), List.of(3, 4), List.of(5)),
                plan.layers().stream().map(LayerOrigin::originalLayers).toList());
        Plan back = Plan.parse(plan.toJson(), "plan.json");
        assertEquals(plan, back);
        assertEquals(List.of("bi", "streamline", "test", "streamline"),
                back.steps().stream().map(Plan.PlanStep::method).toList());
        assertEquals(List.of(1, 2, 3, 4), back.steps().stream().map(Plan.PlanStep::step).toList());
        assertEquals(0.25, back.layers().get(3).sources().get(0).coefficient());
        // groups cover the original model: the removed layer 2 counts with layer 1 before it
        assertArrayEquals(new int[] {0, 1}, plan.group(0));
        assertArrayEquals(new int[] {1, 3}, plan.group(1));
        assertArrayEquals(new int[] {3, 5}, plan.group(2));
        assertArrayEquals(new int[] {5, 6}, plan.group(3));
        assertEquals(List.of(false, false, true, false), plan.layers().stream().map(LayerOrigin::isChanged).toList());

        StrataException kind = assertThrows(StrataException.class, () -> Plan.parse(plan.toJson()
                .replace("\"replacement-ffn\"", "\"hologram\""), "p.json"));
        assertEquals("p.json: layer 2: kind 'hologram' is not known (expected one of original, concat-merge, "
                + "replacement-layer, replacement-ffn, linear-fold, variant, parameter-merge)", kind.getMessage());
    }

    @Test
    void tailoredLayersReadBackWithTheirVariantsAndLambda() {
        int[] groups = LayerOrigin.all(2);
        int[] neurons = LayerOrigin.all(48);
        LayerOrigin variant = new LayerOrigin(LayerOrigin.Kind.VARIANT,
                List.of(new LayerOrigin.Source(0, groups, neurons, null, 1)));
        LayerOrigin merged = new LayerOrigin(LayerOrigin.Kind.PARAMETER_MERGE, List.of(
                new LayerOrigin.Source(3, groups, neurons), new LayerOrigin.Source(3, groups, neurons, 0.5, 0),
                new LayerOrigin.Source(3, groups, neurons, 0.5, 1)));
        Plan plan = new Plan(6, List.of(variant, LayerOrigin.original(1, 2, 48), merged), List.of());
        String json = plan.toJson();
        assertEquals(plan, Plan.parse(json, "plan.json"));
        // a layer of the model's own has no variant field: plans written before variants read the same
        assertEquals(3, json.split("\"variant\" :", -1).length - 1);
        assertEquals(Plan.identity(config), Plan.parse(Plan.identity(config).toJson(), "plan.json"));
        StrataException bad = assertThrows(StrataException.class,
                () -> Plan.parse(json.replace("\"variant\" : 1", "\"variant\" : -1"), "p.json"));
        assertEquals("p.json: field 'variant' must be an index (0 or more), got -1", bad.getMessage());
    }

    @Test
    void parametersCountWhatComputes() {
        long layer = config.withNumLayers(2).parameterCount() - config.withNumLayers(1).parameterCount();
        Plan identity = Plan.identity(config);
        assertEquals(config.parameterCount(), identity.parameters(config));
        Plan pruned = identity.remove(List.of(1, 4), "bi", step("removed", 1));
        assertEquals(config.withNumLayers(4).parameterCount(), pruned.parameters(config));
        LayerOrigin ffn = LayerOrigin.forBlock(LayerOrigin.Kind.REPLACEMENT_FFN, List.of(2, 3), new int[0],
                LayerOrigin.all(48));
        Plan replaced = identity.replace(2, 2, ffn, "streamline", step("start", 2));
        assertEquals(config.withNumLayers(4).parameterCount() + Replacement.FFN.parameters(config),
                replaced.parameters(config));
        assertEquals(config.parameterCount() - 2 * layer + 3 * 32 * 48 + 32, replaced.parameters(config));
    }

    @Test
    void aSizeIsLayersRemovedOrAShareOfTheParameters() {
        var after = SizeTarget.wholeLayers(config);
        assertEquals(List.of(1, 2), SizeTarget.removals(size(Map.of("--layers", "2,1,2")), config, after));
        // 6 layers: removing 1 keeps 85.7% of the layers' share; the target picks the fewest removals that fit
        double share = (double) after.applyAsLong(2) / config.parameterCount();
        assertEquals(List.of(2), SizeTarget.removals(size(Map.of("--target-params", "" + share)), config, after));
        assertEquals(List.of(3), SizeTarget.removals(size(Map.of("--target-params", "" + (share - 1e-6))), config,
                after));
        assertError(Map.of("--layers", "6"), "--layers 6 must lie in 1..5 (the model has 6 layers, and at least one "
                + "must stay)");
        assertError(Map.of(), "--layers or --target-params: give exactly one of them");
        assertError(Map.of("--layers", "1", "--target-params", "0.5"), "--layers or --target-params: give exactly one "
                + "of them");
        assertError(Map.of("--target-params", "0.01"), "--target-params 0.01 cannot be met: removing 5 of 6 layers "
                + "keeps " + String.format("%.3f", (double) after.applyAsLong(5) / config.parameterCount())
                + " of the parameters");
    }

    private static Settings size(Map<String, String> flags) {
        return Settings.fromFlags(SizeTarget.PARAMS, flags);
    }

    private void assertError(Map<String, String> flags, String message) {
        StrataException ex = assertThrows(StrataException.class,
                () -> SizeTarget.removals(size(flags), config, SizeTarget.wholeLayers(config)));
        assertEquals(message, ex.getMessage());
    }
}
