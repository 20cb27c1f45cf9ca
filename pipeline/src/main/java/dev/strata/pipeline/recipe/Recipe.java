package dev.strata.pipeline.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.LayerRemoval;
import dev.strata.pipeline.compress.PairMetric;
import dev.strata.pipeline.compress.Replacement;
import dev.strata.pipeline.train.ReplacementLoss;
import dev.strata.pipeline.train.TrainSettings;
import dev.strata.pipeline.util.TextFiles;
import java.nio.file.Path;
import java.util.List;

/**
 * A compression recipe: which model, which calibration text, which methods (CoMe: how to merge and distill, which
 * baselines to compare with; LLM-Streamline: which blocks, which replacement), how to evaluate. Written in YAML (see
 * conf/recipes/); every key is checked, so a typo or a wrong type is an error naming the key, never a silently
 * ignored setting. Relative paths are taken from the working directory.
 *
 * @param methods the methods run, in order; the first one's smallest result is the exported model
 * @param targets CoMe's layer counts to compress to; each is a row of the report (progressive merging reaches them
 *     in one run); empty without CoMe
 * @param merge CoMe's merge, {@code distill} its distillation, {@code baselines} the one-shot removal baselines
 *     evaluated at every target: null (empty) without CoMe
 * @param streamline LLM-Streamline's settings, null without it
 */
public record Recipe(String name, String model, String out, List<Method> methods, Calibration calibration, Merge merge,
        Distill distill, List<LayerRemoval> baselines, Streamline streamline, Evaluate evaluate, List<Integer> targets) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** A compression method a recipe runs. */
    public enum Method {
        COME, STREAMLINE;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * LLM-Streamline: for every block length, the block with the highest cosine is removed; every replacement is
     * trained in its place, and the untrained prune (nothing in its place) is a row of the report too.
     */
    public record Streamline(List<Integer> blockLengths, List<Replacement> replacements, ReplacementLoss loss,
            TrainSettings training) {
    }

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
        List<Method> methods = methods(r);
        boolean come = methods.contains(Method.COME);
        if (!come) {
            for (String key : List.of("target_layers", "merge", "distill", "baselines")) {
                if (r.has(key)) {
                    throw r.invalid(key, "applies to the method come, which 'method' does not list");
                }
            }
        }
        if (!methods.contains(Method.STREAMLINE) && r.has("streamline")) {
            throw r.invalid("streamline", "applies to the method streamline, which 'method' does not list");
        }
        List<Integer> targets = come ? targets(r) : List.of();

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

        Merge merge = come ? merge(r.section("merge")) : null;
        Distill distill = come ? distill(r.section("distill")) : null;
        List<LayerRemoval> baselines = !come ? List.of() : r.strings("baselines", List.of("bi")).stream()
                .map(b -> LayerRemoval.parse(b, file + ": 'baselines'")).toList();
        Streamline streamline = methods.contains(Method.STREAMLINE) ? streamline(r.section("streamline")) : null;

        YamlSection e = r.section("evaluate");
        Evaluate evaluate = new Evaluate(e.strings("tasks", List.of("tinystories")), e.integer("limit", null),
                e.string("data_dir", System.getProperty("strata.data", "../shared/data")));
        e.finish();
        r.finish();
        return new Recipe(name, model, out, methods, calibration, merge, distill, baselines, streamline, evaluate,
                targets);
    }

    private static List<Method> methods(YamlSection r) {
        List<String> ids = r.strings("method", List.of("come"));
        List<Method> methods = new java.util.ArrayList<>();
        for (String id : ids) {
            Method m = java.util.Arrays.stream(Method.values()).filter(v -> v.id().equals(id)).findFirst()
                    .orElseThrow(() -> r.invalid("method", "names an unknown method '" + id
                            + "' (expected come, streamline or a list of them)"));
            if (methods.contains(m)) {
                throw r.invalid("method", "lists " + id + " twice");
            }
            methods.add(m);
        }
        if (methods.isEmpty()) {
            throw r.invalid("method", "must name at least one method (come, streamline)");
        }
        return methods;
    }

    private static List<Integer> targets(YamlSection r) {
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
        return targets;
    }

    private static Merge merge(YamlSection m) {
        Merge merge = new Merge(pairMetric(m), m.bool("no_remerge", false));
        m.finish();
        return merge;
    }

    private static Distill distill(YamlSection d) {
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
        return distill;
    }

    private static Streamline streamline(YamlSection s) {
        List<Integer> lengths = s.integers("layers", null);
        if (lengths.isEmpty() || lengths.stream().anyMatch(n -> n < 1)) {
            throw s.invalid("layers", "must list block lengths of at least 1, got " + lengths);
        }
        List<Replacement> replacements = new java.util.ArrayList<>();
        for (String id : s.strings("replacement", List.of("layer"))) {
            Replacement r;
            try {
                r = Replacement.parse(id, "replacement");
            } catch (StrataException ex) {
                throw s.invalid("replacement", ex.getMessage().substring("replacement ".length()));
            }
            if (!r.isTrained()) {
                throw s.invalid("replacement", "lists none: the untrained prune is always a row of the report");
            }
            replacements.add(r);
        }
        ReplacementLoss loss;
        try {
            loss = ReplacementLoss.parse(s.string("loss", "mse"), "loss");
        } catch (StrataException ex) {
            throw s.invalid("loss", ex.getMessage().substring("loss ".length()));
        }
        YamlSection t = s.section("training");
        TrainSettings training = train(t, t.integer("batch", 8), 2e-4, 5e-5, 1);
        t.finish();
        s.finish();
        return new Streamline(lengths, replacements, loss, training);
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
