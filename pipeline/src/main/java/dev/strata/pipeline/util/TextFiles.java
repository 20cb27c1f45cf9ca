package dev.strata.pipeline.util;

import dev.strata.pipeline.StrataException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Local UTF-8 text files, read whole, with one-line errors that name the file. */
public final class TextFiles {
    private TextFiles() {
    }

    /** @param hint appended to the message when the file does not exist (e.g. which option names it), or "" */
    public static String read(Path file, String hint) {
        try {
            return Files.readString(file);
        } catch (NoSuchFileException ex) {
            throw new StrataException(file + ": file does not exist" + hint);
        } catch (MalformedInputException ex) {
            throw new StrataException(file + ": not UTF-8 text");
        } catch (IOException ex) {
            throw new UncheckedIOException(file + ": cannot read: " + ex.getMessage(), ex);
        }
    }
}
