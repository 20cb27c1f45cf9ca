package dev.strata.pipeline.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.LayerRemoval;
import dev.strata.pipeline.compress.PairMetric;
import dev.strata.pipeline.train.TrainSettings;
import dev.strata.pipeline.util.TextFiles;
import java.nio.file.Path;
import java.util.List;

/**
 * A compression recipe: which model, which calibration text, how to merge, distill and evaluate, which baselines to
 * compare with. Written in YAML (see conf/recipes/); every key is checked, so a typo or a wrong type is an error
 * naming the key, never a silently ignored setting. Relative paths are taken from the working directory.
 *
 * @param targets the layer counts to compress to; each is a row of the report (progressive merging reaches them in
 *     one run)
 * @param baselines one-shot removal baselines evaluated at every target
 */
public record Recipe(String name, String model, String out, Calibration calibration, Merge merge, Distill distill,
        List<LayerRemoval> baselines, Evaluate evaluate, List<Integer> targets) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Calibration text and its windows (also the distillation's training text). */
    public record Calibration(String data, int seqLen, Integer samples, long seed, int batch) {
    }

    /** CoMe's progressive merge. */
    public record Merge(PairMetric pairMetric, boolean noRemerge) {
    }

    /** Hierarchical distillation; {@code model} is null when stage 2 is skipped. */
    public record Distill(Integer samples, TrainSettings layers, TrainSettings model, double klWeight,
            double hiddenWeight) {
    }

    /** The evaluation of the original and every result. */
    public record Evaluate(List<String> tasks, Integer limit, String dataDir) {
    }

    /** Reads and validates a recipe file. */
    public static Recipe read(Path file) {
        String text = TextFiles.read(file, "");
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new StrataException(file + ": not valid YAML: " + ex.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (root == null || root.isMissingNode()) {
            throw new StrataException(file + ": the recipe is empty");
        }
        return parse(new YamlSection(root, file.toString(), ""), file);
    }

    private static Recipe parse(YamlSection r, Path file) {
        String fileName = file.getFileName().toString();
        String name = r.string("name", fileName.replaceFirst("\\.ya?ml$", ""));
        String model = r.string("model", null);
        String out = r.string("out", "runs/" + name);
        String method = r.string("method", "come");
        if (!method.equals("come")) {
            throw r.invalid("method", "must be come (the method this recipe runs), got '" + method + "'");
        }
        List<Integer> targets = r.integers("target_layers", null);
        if (targets.isEmpty()) {
            throw r.invalid("target_layers", "must name at least one layer count");
        }
        for (int i = 1; i < targets.size(); i++) {
            if (targets.get(i) >= targets.get(i - 1)) {
                throw r.invalid("target_layers", "must be descending (progressive merging reaches them in order), got "
                        + targets);
            }
        }
        if (targets.get(targets.size() - 1) < 1) {
            throw r.invalid("target_layers", "must be at least 1, got " + targets);
        }

        YamlSection c = r.section("calibration");
        Calibration calibration = new Calibration(c.string("data", null), c.integer("seq_len", 256),
                c.integer("samples", null), c.integer("seed", 1234), c.integer("batch", 8));
        if (calibration.samples() != null && calibration.samples() < 1) {
            throw c.invalid("samples", "must be at least 1");
        }
        if (calibration.batch() < 1) {
            throw c.invalid("batch", "must be at least 1");
        }
        c.finish();

        YamlSection m = r.section("merge");
        Merge merge = new Merge(pairMetric(m), m.bool("no_remerge", false));
        m.finish();

        YamlSection d = r.section("distill");
        Integer distillSamples = d.integer("samples", null);
        int batch = d.integer("batch", 8);
        YamlSection stage1 = d.section("layers");
        TrainSettings layers = train(stage1, batch, 2e-4, 5e-5, 1);
        stage1.finish();
        YamlSection stage2 = d.section("model");
        TrainSettings modelSettings = stage2.integer("epochs", 1) == 0 ? null : train(stage2, batch, 1e-4, 1e-5, 1);
        Distill distill = new Distill(distillSamples, layers, modelSettings, stage2.number("kl_weight", 1),
                stage2.number("hidden_weight", 1));
        stage2.finish();
        d.finish();

        List<LayerRemoval> baselines = r.strings("baselines", List.of("bi")).stream()
                .map(b -> LayerRemoval.parse(b, file + ": 'baselines'")).toList();

        YamlSection e = r.section("evaluate");
        Evaluate evaluate = new Evaluate(e.strings("tasks", List.of("tinystories")), e.integer("limit", null),
                e.string("data_dir", System.getProperty("strata.data", "../shared/data")));
        e.finish();
        r.finish();
        return new Recipe(name, model, out, calibration, merge, distill, baselines, evaluate, targets);
    }

    private static PairMetric pairMetric(YamlSection m) {
        String id = m.string("pair_metric", "angular");
        try {
            return PairMetric.parse(id, "pair_metric");
        } catch (StrataException ex) {
            throw m.invalid("pair_metric", ex.getMessage().substring("pair_metric ".length()));
        }
    }

    /** Training settings of one stage; keys absent take the given defaults. */
    private static TrainSettings train(YamlSection s, int batch, double lr, double finalLr, int epochs) {
        double rate = s.number("learning_rate", lr);
        double last = s.number("final_learning_rate", finalLr);
        double decay = s.number("weight_decay", 1e-3);
        double clip = s.number("clip_norm", 5);
        int passes = s.integer("epochs", epochs);
        try {
            return new TrainSettings(rate, last, decay, clip, passes, batch);
        } catch (StrataException ex) {
            throw s.invalid("", ex.getMessage());
        }
    }
}
