package dev.strata.pipeline.eval.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * HellaSwag in its original format ({"activity_label", "ctx_a", "ctx_b", "endings", "label"}), preprocessed as
 * lm-eval does: query = activity_label + ": " + ctx_a + " " + capitalize(ctx_b); every text stripped, " [title]"
 * turned into ". ", bracketed tags removed, double spaces made single.
 */
public record HellaswagTask(String name, String source) implements ChoiceTask {
    @Override
    public List<Measure> measures() {
        return List.of(Measure.ACC, Measure.ACC_NORM);
    }

    @Override
    public List<Example> read(Path dataDir) {
        List<Example> out = new ArrayList<>();
        for (JsonLines.Line line : JsonLines.read(dataDir.resolve(source))) {
            String query = preprocess(line.text("activity_label") + ": " + line.text("ctx_a") + " "
                    + capitalize(line.text("ctx_b")));
            List<String> endings = line.texts("endings", 2);
            List<Option> options = new ArrayList<>();
            for (String e : endings) {
                String ending = preprocess(e);
                options.add(new Option(query, " " + ending, JsonLines.chars(ending)));
            }
            out.add(new Example(out.size(), options, line.index("label", endings.size())));
        }
        return out;
    }

    /** lm-eval's HellaSwag text cleaning. */
    static String preprocess(String text) {
        return text.strip().replace(" [title]", ". ").replaceAll("\\[.*?\\]", "").replace("  ", " ");
    }

    /** Python's str.capitalize(): the first character upper case, the rest lower case. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.offsetByCodePoints(0, 1);
        return s.substring(0, first).toUpperCase(Locale.ROOT) + s.substring(first).toLowerCase(Locale.ROOT);
    }
}
