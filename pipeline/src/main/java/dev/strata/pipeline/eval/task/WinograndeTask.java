package dev.strata.pipeline.eval.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * WinoGrande with partial scoring (lm-eval's): {"context_options", "continuation", "gold"}; the shared suffix
 * " " + continuation is scored after each option-filled prefix, and the likelier prefix wins.
 */
public record WinograndeTask(String name, String source) implements ChoiceTask {
    @Override
    public List<Measure> measures() {
        return List.of(Measure.ACC);
    }

    @Override
    public List<Example> read(Path dataDir) {
        List<Example> out = new ArrayList<>();
        for (JsonLines.Line line : JsonLines.read(dataDir.resolve(source))) {
            List<String> contexts = line.texts("context_options", 2);
            String continuation = line.text("continuation");
            List<Option> options = new ArrayList<>();
            for (String c : contexts) {
                options.add(new Option(c, " " + continuation, JsonLines.chars(continuation)));
            }
            out.add(new Example(out.size(), options, line.index("gold", contexts.size())));
        }
        return out;
    }
}
