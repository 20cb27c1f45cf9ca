package dev.strata.jobs.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A command's result: named values printed to stdout (through the "strata.out" logger) as an aligned table
 * for people or, with --json, as one JSON object for programs.
 */
final class Report {
    private static final Logger OUT = LogManager.getLogger("strata.out");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Map<String, Object> values = new LinkedHashMap<>();
    private final Map<String, String> shown = new LinkedHashMap<>();

    /** Adds a value; {@code display} is how the table shows it. */
    Report put(String key, Object value, String display) {
        values.put(key, value);
        shown.put(key, display);
        return this;
    }

    Report put(String key, Object value) {
        return put(key, value, String.valueOf(value));
    }

    void print(boolean json) {
        if (json) {
            try {
                OUT.info(JSON.writeValueAsString(values));
            } catch (JsonProcessingException ex) {
                throw new IllegalStateException(ex);
            }
            return;
        }
        int width = shown.keySet().stream().mapToInt(String::length).max().orElse(0);
        shown.forEach((key, text) -> OUT.info(String.format("%-" + width + "s  %s", key, text)));
    }
}
