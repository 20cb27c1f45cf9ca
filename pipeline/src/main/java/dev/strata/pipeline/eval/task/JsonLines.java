package dev.strata.pipeline.eval.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.util.TextFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads task files one JSON object per line, with errors that name the file and line. */
final class JsonLines {
    /** Said of a task file that does not exist. */
    static final String MISSING_HINT = " (is --data-dir the folder with the task data?)";
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonLines() {
    }

    /** A line's object and where it came from ("file:line"). */
    record Line(JsonNode node, String where) {
        String text(String key) {
            JsonNode v = node.get(key);
            if (v == null || !v.isTextual()) {
                throw new StrataException(where + ": no string '" + key + "'");
            }
            return v.asText();
        }

        int integer(String key) {
            JsonNode v = node.get(key);
            if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
                throw new StrataException(where + ": no integer '" + key + "'");
            }
            return v.asInt();
        }

        List<String> texts(String key, int atLeast) {
            JsonNode v = node.get(key);
            if (v == null || !v.isArray() || v.size() < atLeast) {
                throw new StrataException(where + ": no array '" + key + "' of at least " + atLeast + " strings");
            }
            List<String> out = new ArrayList<>();
            for (JsonNode e : v) {
                if (!e.isTextual()) {
                    throw new StrataException(where + ": '" + key + "' holds " + e + ", not a string");
                }
                out.add(e.asText());
            }
            return out;
        }

        /** An index into {@code count} options. */
        int index(String key, int count) {
            int i = integer(key);
            if (i < 0 || i >= count) {
                throw new StrataException(where + ": '" + key + "' " + i + " is not an index of the " + count + " options");
            }
            return i;
        }
    }

    /** Every non-blank line of {@code file} as a JSON object. */
    static List<Line> read(Path file) {
        List<Line> out = new ArrayList<>();
        for (String[] numbered : lines(file)) {
            String where = file + ":" + numbered[0];
            try {
                JsonNode node = JSON.readTree(numbered[1]);
                if (node == null || !node.isObject()) {
                    throw new StrataException(where + ": not a JSON object");
                }
                out.add(new Line(node, where));
            } catch (JsonProcessingException ex) {
                throw new StrataException(where + ": not valid JSON (" + ex.getOriginalMessage() + ")");
            }
        }
        return out;
    }

    /** The non-blank lines of a UTF-8 file as {line number, text}. */
    static List<String[]> lines(Path file) {
        List<String[]> out = new ArrayList<>();
        String[] lines = TextFiles.read(file, MISSING_HINT).split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].isBlank()) {
                out.add(new String[] {Integer.toString(i + 1), lines[i]});
            }
        }
        return out;
    }

    /** Python's len(): the number of code points. */
    static int chars(String s) {
        return s.codePointCount(0, s.length());
    }
}
