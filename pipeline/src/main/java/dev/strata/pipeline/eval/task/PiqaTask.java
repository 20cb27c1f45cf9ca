package dev.strata.pipeline.eval.task;

import dev.strata.pipeline.StrataException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * PIQA in its original format: {"goal", "sol1", "sol2"} per line and the gold solution (0 or 1) on the same line of
 * the labels file. Prompt as lm-eval: "Question: {goal}\nAnswer:" followed by " {sol}".
 */
public record PiqaTask(String name, String source, String labels) implements ChoiceTask {
    @Override
    public List<Measure> measures() {
        return List.of(Measure.ACC, Measure.ACC_NORM);
    }

    @Override
    public List<Example> read(Path dataDir) {
        List<JsonLines.Line> lines = JsonLines.read(dataDir.resolve(source));
        Path labelFile = dataDir.resolve(labels);
        List<String[]> golds = JsonLines.lines(labelFile);
        if (golds.size() != lines.size()) {
            throw new StrataException(labelFile + ": " + golds.size() + " labels for the " + lines.size()
                    + " examples of " + dataDir.resolve(source));
        }
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            JsonLines.Line line = lines.get(i);
            String context = "Question: " + line.text("goal") + "\nAnswer:";
            List<Option> options = new ArrayList<>();
            for (String sol : List.of(line.text("sol1"), line.text("sol2"))) {
                options.add(new Option(context, " " + sol, JsonLines.chars(sol)));
            }
            String label = golds.get(i)[1].trim();
            if (!label.equals("0") && !label.equals("1")) {
                throw new StrataException(labelFile + ":" + golds.get(i)[0] + ": label '" + label + "' is not 0 or 1");
            }
            out.add(new Example(i, options, Integer.parseInt(label)));
        }
        return out;
    }
}
