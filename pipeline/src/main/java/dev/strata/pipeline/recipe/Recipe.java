package dev.strata.pipeline.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipeline.compress.CompressionMethod;
import dev.strata.pipeline.compress.Methods;
import dev.strata.pipeline.compress.RunParams;
import dev.strata.pipeline.eval.EvalParams;
import dev.strata.pipeline.tailor.Variant;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.settings.YamlSection;
import dev.strata.pipeline.StrataException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A compression recipe: which model, which calibration text, which methods with which settings, how to evaluate.
 * Written in YAML (see conf/recipes/): the run's settings ({@code model}, the {@code calibration} section), a list of
 * {@code methods}, each a mapping from a registered method's name to its settings, and the {@code evaluate} section.
 * Every key is read through the declaration of its setting, so a typo or a wrong value is an error naming the key,
 * never a silently ignored setting. Relative paths are taken from the working directory.
 *
 * @param run the settings of the run ({@link RunParams})
 * @param methods the methods run, in order; the first one's smallest result is the exported model
 * @param evaluate the evaluation of the original and every result ({@link EvalParams})
 */
public record Recipe(String name, String out, Settings run, List<Variant> variants, List<Section> methods,
        Settings evaluate) {

    /** One method of a recipe with its settings. */
    public record Section(CompressionMethod method, Settings settings) {
    }

    public Recipe {
        variants = List.copyOf(variants);
        methods = List.copyOf(methods);
    }

    /** Reads and validates a recipe file. */
    public static Recipe read(Path file) {
        return read(YamlSection.read(file), file.getFileName().toString());
    }

    /**
     * Reads and validates a recipe's document (read from anywhere: a local file, hdfs://, s3a://); {@code fileName},
     * the file's name without folders, gives the recipe's name when it has no 'name' key.
     */
    public static Recipe read(YamlSection root, String fileName) {
        String name = root.string("name", fileName.replaceFirst("\\.ya?ml$", ""));
        if (!name.matches("[A-Za-z0-9_][A-Za-z0-9._-]*")) {
            // the name is a folder under runs/: a path in it would write elsewhere (use 'out' for that)
            throw root.invalid("name", "'" + name + "' must be a plain name (letters, digits, '.', '_', '-'; no path); "
                    + "give 'out' to choose the run folder");
        }
        String out = root.string("out", "runs/" + name);
        Settings run = Settings.fromYaml(RunParams.PARAMS, root);
        List<Variant> variants = variants(root);
        List<Section> methods = methods(root);
        Settings evaluate = Settings.fromYaml(EvalParams.PARAMS, root);
        root.finish();
        return new Recipe(name, out, run, variants, methods, evaluate);
    }

    /** The fine-tuned variants the recipe makes (GPTailor's), by name: {@code variants: {NAME: {settings}}}. */
    private static List<Variant> variants(YamlSection root) {
        JsonNode all = root.value("variants");
        if (all == null) {
            return List.of();
        }
        if (!all.isObject() || all.isEmpty()) {
            throw root.invalid("variants", "must map each variant's name to its settings, e.g. {wiki: {data: w.txt}}");
        }
        List<Variant> out = new ArrayList<>();
        for (var it = all.fields(); it.hasNext();) {
            var entry = it.next();
            if (!entry.getKey().matches("[A-Za-z0-9_][A-Za-z0-9._-]*")) {
                throw root.invalid("variants", "'" + entry.getKey() + "' must be a plain name (it names a folder)");
            }
            YamlSection section = root.nested(entry.getValue(), "variants." + entry.getKey());
            out.add(new Variant(entry.getKey(), Settings.fromYaml(Variant.PARAMS, section)));
            section.finish();
        }
        return out;
    }

    private static List<Section> methods(YamlSection root) {
        JsonNode list = root.value("methods");
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw root.invalid("methods", list == null ? "is missing: list the methods to run, e.g. [{come: {layers: 1}}]"
                    : "must be a list of methods, each a mapping of its name to its settings");
        }
        List<Section> out = new ArrayList<>();
        for (JsonNode element : list) {
            if (!element.isObject() || element.size() != 1) {
                throw root.invalid("methods", "must list one mapping per method ({name: {settings}}), got "
                        + YamlSection.describe(element));
            }
            String name = element.fieldNames().next();
            CompressionMethod method;
            try {
                method = Methods.get(name, "");
            } catch (StrataException ex) {
                throw root.invalid("methods", ex.getMessage().strip());
            }
            if (out.stream().anyMatch(s -> s.method() == method)) {
                throw root.invalid("methods", "lists " + name + " twice");
            }
            JsonNode body = element.get(name);
            YamlSection section = root.nested(body == null || body.isNull()
                    ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode() : body, "methods." + name);
            Settings settings = Settings.fromYaml(method.params(), section);
            section.finish();
            out.add(new Section(method, settings));
        }
        return out;
    }
}
