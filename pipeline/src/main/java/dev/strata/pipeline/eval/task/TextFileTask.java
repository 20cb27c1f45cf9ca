package dev.strata.pipeline.eval.task;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.util.TextFiles;
import java.nio.file.Path;
import java.util.List;

/** Perplexity of a UTF-8 text file, as `strata ppl` computes it with windows of the model's context. */
public record TextFileTask(String name, String source) implements TextTask {
    @Override
    public List<Measure> measures() {
        return List.of(Measure.TOKEN_PERPLEXITY);
    }

    @Override
    public String read(Path dataDir) {
        Path file = dataDir.resolve(source);
        String text = TextFiles.read(file, JsonLines.MISSING_HINT);
        if (text.isBlank()) {
            throw new StrataException(file + ": the text is empty");
        }
        return text;
    }
}
