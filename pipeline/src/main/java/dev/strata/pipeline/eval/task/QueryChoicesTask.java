package dev.strata.pipeline.eval.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Ready-to-score multiple choice, one {"query", "choices", "gold"} object per line (llm-foundry's format: ARC,
 * BoolQ, OpenBookQA, COPA, Social IQa). Each choice is scored as " " + choice after the query.
 */
public record QueryChoicesTask(String name, String source, List<Measure> measures) implements ChoiceTask {
    @Override
    public List<Example> read(Path dataDir) {
        List<Example> out = new ArrayList<>();
        for (JsonLines.Line line : JsonLines.read(dataDir.resolve(source))) {
            String query = line.text("query");
            List<String> choices = line.texts("choices", 2);
            List<Option> options = new ArrayList<>();
            for (String c : choices) {
                options.add(new Option(query, " " + c, JsonLines.chars(c)));
            }
            out.add(new Example(out.size(), options, line.index("gold", choices.size())));
        }
        return out;
    }
}
