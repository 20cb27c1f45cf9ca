package dev.strata.pipeline.compress;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.surgery.LayerSurgery;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One-shot removal of the layers with the lowest score, the baselines every report shows: ShortGPT (the lowest block
 * influence, {@code bi}) and SLEB's score in one shot (the lowest PPL-drop, {@code ppl-drop}).
 */
public final class LayerPruning implements CompressionMethod {
    private final LayerRemoval removal;

    private LayerPruning(LayerRemoval removal) {
        this.removal = removal;
    }

    /** ShortGPT. */
    public static LayerPruning shortGpt() {
        return new LayerPruning(LayerRemoval.BI);
    }

    /** SLEB's PPL-drop, in one shot. */
    public static LayerPruning sleb() {
        return new LayerPruning(LayerRemoval.PPL_DROP);
    }

    @Override
    public String name() {
        return removal.id();
    }

    @Override
    public String summary() {
        return removal == LayerRemoval.BI
                ? "ShortGPT: remove the layers of lowest block influence, 1 - cos(h_l, h_l+1), in one shot."
                : "SLEB's score in one shot: remove the layers whose removal raises perplexity least.";
    }

    @Override
    public Params params() {
        return SizeTarget.PARAMS;
    }

    @Override
    public Set<Need> needs(Settings settings) {
        return removal.needsPplDrop() ? EnumSet.of(Need.WINDOWS, Need.SCORES, Need.PPL_DROP)
                : EnumSet.of(Need.WINDOWS, Need.SCORES);
    }

    @Override
    public void check(Settings settings, LlamaConfig model) {
        SizeTarget.removals(settings, model, SizeTarget.wholeLayers(model));
    }

    @Override
    public String describe(Settings settings) {
        return (removal == LayerRemoval.BI ? "ShortGPT" : "PPL-drop (SLEB's score, one shot)")
                + ": the layers with the lowest " + removal.metric().id() + " on the calibration text are removed.";
    }

    @Override
    public List<Product> compress(CompressionRun run, Settings settings) {
        LlamaConfig config = run.config();
        int n = config.numLayers();
        List<Product> out = new ArrayList<>();
        for (int count : SizeTarget.removals(settings, config, SizeTarget.wholeLayers(config))) {
            StoredModel model = run.model((n - count) + "L", () -> {
                LayerScores scores = run.originalScores();
                List<Integer> removed = removal.choose(scores, n, count);
                ObjectNode step = JsonNodeFactory.instance.objectNode();
                step.put("metric", removal.metric().id());
                removed.forEach(step.putArray("removed")::add);
                removed.forEach(l -> step.withArray("scores").add(scores.layer(removal.metric(), l)));
                return new Compressed(LayerSurgery.remove(run.open(run.original().address()), removed),
                        run.original().plan().remove(removed, name(), step));
            });
            String removed = model.plan().steps().get(0).parameters().get("removed").toString();
            out.add(Product.of("prune " + name() + " " + (n - count) + "L", model, true, "removed layers " + removed,
                    config));
        }
        return out;
    }
}
