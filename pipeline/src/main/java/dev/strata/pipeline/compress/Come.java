package dev.strata.pipeline.compress;

import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.settings.Param;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * CoMe: progressive concatenation merging, then hierarchical distillation. Before every merge the current model is
 * scored on the calibration windows (a distributed pass), and the adjacent pair with the lowest pair score merges
 * ({@link ComeMerger}); every step is a model of the run, so a rerun resumes after the last finished one. Each
 * requested size is reached on the way down and distilled from the original ({@link Distillation}).
 */
public final class Come implements CompressionMethod {
    public static final Param<PairMetric> PAIR_METRIC = Param.choice("pair_metric", PairMetric.values(),
            PairMetric.ANGULAR, "How the pair to merge is chosen (lowest wins): angular (last-token angular distance "
                + "across the pair), bi (sum of block influence), ppl-drop (sum of PPL-drop).");
    public static final Param<Boolean> NO_REMERGE = Param.bool("no_remerge",
            "Never merge a layer that is itself a merge result.");
    private static final Params PARAMS = SizeTarget.PARAMS.and(PAIR_METRIC, NO_REMERGE).and(Distillation.PARAMS);
    private static final Logger LOG = LogManager.getLogger(Come.class);

    @Override
    public String name() {
        return ComeMerger.METHOD;
    }

    @Override
    public String summary() {
        return "CoMe: merge adjacent layers by concatenating their most sensitive channels, rescoring before every "
                + "merge, then distill each size.";
    }

    @Override
    public Params params() {
        return PARAMS;
    }

    @Override
    public Set<Need> needs(Settings s) {
        Set<Need> needs = EnumSet.of(Need.WINDOWS, Need.SCORES);
        if (s.get(PAIR_METRIC).needsPplDrop()) {
            needs.add(Need.PPL_DROP);
        }
        if (!Distillation.read(s).isNone()) {
            needs.add(Need.TRAINING);
        }
        return needs;
    }

    @Override
    public void check(Settings s, LlamaConfig model) {
        SizeTarget.removals(s, model, SizeTarget.wholeLayers(model));
        Distillation.read(s);
    }

    @Override
    public String describe(Settings s) {
        return "CoMe (" + s.get(PAIR_METRIC).id() + " pair metric" + (s.get(NO_REMERGE) ? ", no re-merging" : "")
                + "): adjacent layers merge progressively, the model rescored before every merge"
                + (Distillation.read(s).isNone() ? "." : "; every size is distilled from the original.");
    }

    @Override
    public List<Product> compress(CompressionRun run, Settings s) {
        LlamaConfig config = run.config();
        int n = config.numLayers();
        List<Integer> removals = SizeTarget.removals(s, config, SizeTarget.wholeLayers(config));
        int steps = removals.get(removals.size() - 1);
        ComeMerger merger = new ComeMerger(s.get(PAIR_METRIC), s.get(NO_REMERGE));
        Map<Integer, StoredModel> reached = new LinkedHashMap<>();
        StoredModel current = run.original();
        for (int step = 1; step <= steps; step++) {
            StoredModel before = current;
            int k = step;
            current = run.model(stepName(step), () -> merge(run, merger, before, k, steps));
            if (removals.contains(step)) {
                reached.put(step, current);
            }
        }
        Distillation.Stages distill = Distillation.read(s);
        List<Product> out = new ArrayList<>();
        for (Map.Entry<Integer, StoredModel> e : reached.entrySet()) {
            int layers = n - e.getKey();
            StoredModel merged = e.getValue();
            String what = merges(merged.plan());
            List<StoredModel> stages = distill.isNone() ? List.of()
                    : Distillation.run(run, "distill-" + layers + "L", merged, distill);
            out.add(Product.of("come merge " + layers + "L", merged, stages.isEmpty(), what, config));
            if (!stages.isEmpty()) {
                List<TrainingRecord> losses = new ArrayList<>();
                stages.forEach(m -> losses.addAll(m.training()));
                out.add(Product.of("come merge+distill " + layers + "L", stages.get(stages.size() - 1), true,
                        what + ", distilled", config).withTraining(losses));
            }
        }
        return out;
    }

    private static String stepName(int step) {
        return String.format("step-%03d", step);
    }

    /** One merge: scores {@code before} (the original's scores at step 1), merges its chosen pair. */
    private static Compressed merge(CompressionRun run, ComeMerger merger, StoredModel before, int step, int steps) {
        long start = System.nanoTime();
        LayerScores scores = step == 1 ? run.originalScores()
                : run.scores(stepName(step - 1), before.address(), step - 1, merger.pairMetric().needsPplDrop());
        ModelWeights model = run.open(before.address());
        ComeMerger.Result merged = merger.step(model, scores, before.plan());
        MergeStep m = merged.step();
        LOG.info("merge step {}/{}: layers {} + {} (original {} + {}) by {} {}, r_a {}: {} -> {} layers in {} s", step,
                steps, m.pair(), m.pair() + 1, m.originalA(), m.originalB(), m.pairMetric(),
                String.format("%.4f", m.pairScore()), String.format("%.3f", m.ratioA()), model.config().numLayers(),
                merged.model().config().numLayers(), String.format("%.1f", (System.nanoTime() - start) / 1e9));
        return new Compressed(merged.model(), merged.plan());
    }

    /** "merged [2]+[3], [1]+[2, 3] by angular": every merge of the plan, by original layers. */
    private static String merges(Plan plan) {
        List<String> pairs = new ArrayList<>();
        String metric = "";
        for (Plan.PlanStep step : plan.steps()) {
            pairs.add(step.parameters().get("original_a") + "+" + step.parameters().get("original_b"));
            metric = step.parameters().path("pair_metric").asText();
        }
        return "merged " + String.join(", ", pairs) + " by " + metric;
    }
}
