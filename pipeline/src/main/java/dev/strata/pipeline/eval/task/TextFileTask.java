package dev.strata.pipeline.eval.task;

import dev.strata.pipeline.StrataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
        try {
            String text = Files.readString(file);
            if (text.isBlank()) {
                throw new StrataException(file + ": the text is empty");
            }
            return text;
        } catch (NoSuchFileException ex) {
            throw new StrataException(file + ": file does not exist (is --data-dir the folder with the task data?)");
        } catch (MalformedInputException ex) {
            throw new StrataException(file + ": not UTF-8 text");
        } catch (IOException ex) {
            throw new UncheckedIOException(file + ": cannot read: " + ex.getMessage(), ex);
        }
    }
}
