package dev.strata.pipeline.eval.task;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * LAMBADA: {"context", "continuation"} per line; the last word " " + continuation after the context. Accuracy is
 * the share of examples whose every continuation token is the greedy choice; perplexity is exp(-mean over
 * examples of the continuation's log-likelihood), as lm-eval reports them.
 */
public record LambadaTask(String name, String source) implements ChoiceTask {
    @Override
    public List<Measure> measures() {
        return List.of(Measure.ACC_GREEDY, Measure.PERPLEXITY);
    }

    @Override
    public List<Example> read(Path dataDir) {
        List<Example> out = new ArrayList<>();
        for (JsonLines.Line line : JsonLines.read(dataDir.resolve(source))) {
            String word = line.text("continuation");
            out.add(new Example(out.size(), List.of(new Option(line.text("context"), " " + word, JsonLines.chars(word))), 0));
        }
        return out;
    }
}
