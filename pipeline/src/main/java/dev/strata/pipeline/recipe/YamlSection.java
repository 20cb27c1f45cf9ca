package dev.strata.pipeline.recipe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.strata.pipeline.StrataException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One mapping of a YAML document, read key by key with errors that name the file and the full key: a missing
 * required key, a value of the wrong type, and (on {@link #finish()}) any key that was never asked for.
 */
final class YamlSection {
    private final JsonNode node;
    private final String file;
    private final String prefix;
    private final Set<String> known = new LinkedHashSet<>();

    YamlSection(JsonNode node, String file, String prefix) {
        this.node = node;
        this.file = file;
        this.prefix = prefix;
        if (!node.isObject()) {
            throw error(prefix.isEmpty() ? "the recipe must be a mapping of keys" : "'" + prefix.replaceAll("\\.$", "")
                    + "' must be a mapping of keys, got " + describe(node));
        }
    }

    private StrataException error(String message) {
        return new StrataException(file + ": " + message);
    }

    private JsonNode value(String key, boolean required) {
        known.add(key);
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw error("missing key '" + prefix + key + "'");
            }
            return null;
        }
        return v;
    }

    boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    String string(String key, String fallback) {
        JsonNode v = value(key, fallback == null);
        if (v == null) {
            return fallback;
        }
        if (!v.isTextual() && !v.isNumber()) {
            throw wrongType(key, "a string", v);
        }
        return v.asText();
    }

    /** An optional string: null when absent. */
    String optionalString(String key) {
        JsonNode v = value(key, false);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw wrongType(key, "a string", v);
        }
        return v.asText();
    }

    Integer integer(String key, Integer fallback) {
        JsonNode v = value(key, false);
        if (v == null) {
            return fallback;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw wrongType(key, "an integer", v);
        }
        return v.asInt();
    }

    double number(String key, double fallback) {
        JsonNode v = value(key, false);
        if (v == null) {
            return fallback;
        }
        if (v.isTextual()) {
            try {
                return Double.parseDouble(v.asText()); // YAML 1.1 reads 2e-4 as a string
            } catch (NumberFormatException ex) {
                throw wrongType(key, "a number", v);
            }
        }
        if (!v.isNumber()) {
            throw wrongType(key, "a number", v);
        }
        return v.asDouble();
    }

    boolean bool(String key, boolean fallback) {
        JsonNode v = value(key, false);
        if (v == null) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw wrongType(key, "true or false", v);
        }
        return v.asBoolean();
    }

    List<Integer> integers(String key, List<Integer> fallback) {
        JsonNode v = value(key, fallback == null);
        if (v == null) {
            return fallback;
        }
        if (v.isIntegralNumber()) {
            return List.of(v.asInt());
        }
        if (!v.isArray()) {
            throw wrongType(key, "an integer or a list of integers", v);
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isIntegralNumber() || !e.canConvertToInt()) {
                throw wrongType(key, "a list of integers", v);
            }
            out.add(e.asInt());
        }
        return out;
    }

    List<String> strings(String key, List<String> fallback) {
        JsonNode v = value(key, fallback == null);
        if (v == null) {
            return fallback;
        }
        if (v.isTextual()) {
            return List.of(v.asText().split("\\s*,\\s*"));
        }
        if (!v.isArray()) {
            throw wrongType(key, "a list of strings", v);
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw wrongType(key, "a list of strings", v);
            }
            out.add(e.asText());
        }
        return out;
    }

    /** A nested mapping; an absent one reads as empty (its keys take their defaults). */
    YamlSection section(String key) {
        JsonNode v = value(key, false);
        return new YamlSection(v == null ? com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode() : v, file,
                prefix + key + ".");
    }

    /** Refuses keys that were never read. */
    void finish() {
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                throw error("unknown key '" + prefix + key + "' (expected one of: " + String.join(", ", known) + ")");
            }
        }
    }

    /** A value outside its allowed range or set. */
    StrataException invalid(String key, String expected) {
        String full = key.isEmpty() ? prefix.replaceAll("\\.$", "") : prefix + key;
        return error("'" + full + "' " + expected);
    }

    private StrataException wrongType(String key, String expected, JsonNode v) {
        return error("'" + prefix + key + "' must be " + expected + ", got " + describe(v));
    }

    private static String describe(JsonNode v) {
        String text = v.toString();
        return (text.length() > 40 ? text.substring(0, 40) + "..." : text);
    }
}
