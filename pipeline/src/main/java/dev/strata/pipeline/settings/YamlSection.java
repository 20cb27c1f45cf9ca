package dev.strata.pipeline.settings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.util.TextFiles;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * One mapping of a YAML document, read key by key with errors that name the file and the full key: a missing
 * required key, a value of the wrong type, and (on {@link #finish()}) any key that was never asked for, in this
 * mapping or in the nested ones read through {@link #section}.
 */
public final class YamlSection {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final JsonNode node;
    private final String file;
    private final String prefix;
    private final Set<String> known = new LinkedHashSet<>();
    private final Map<String, YamlSection> sections = new LinkedHashMap<>();

    /**
     * @param file names the document in messages
     * @param prefix the full key of this mapping followed by a dot ("" for the document itself)
     */
    public YamlSection(JsonNode node, String file, String prefix) {
        this.node = node;
        this.file = file;
        this.prefix = prefix;
        if (!node.isObject()) {
            throw error(prefix.isEmpty() ? "the recipe must be a mapping of keys" : "'" + prefix.replaceAll("\\.$", "")
                    + "' must be a mapping of keys, got " + describe(node));
        }
    }

    /**
     * The document of a YAML file, which must be a mapping; duplicate keys, aliases and further documents
     * are refused ({@link StrictYaml}). Every YAML document the project reads comes through here.
     */
    public static YamlSection read(Path file) {
        return parse(TextFiles.read(file, ""), file.toString());
    }

    /** The document of YAML text read from elsewhere (an hdfs:// or s3a:// file); {@code file} names it in messages. */
    public static YamlSection parse(String text, String file) {
        JsonNode root;
        try {
            StrictYaml.check(text, file);
            root = YAML.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new StrataException(file + ": not valid YAML: " + ex.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (java.io.IOException ex) {
            // Reading a String cannot fail for want of I/O; anything else Jackson throws is a parse failure.
            throw new StrataException(file + ": not valid YAML: " + ex.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || root.isMissingNode()) {
            throw new StrataException(file + ": the recipe is empty");
        }
        return new YamlSection(root, file, "");
    }

    /** An error about the document as a whole, naming the file. */
    public StrataException error(String message) {
        return new StrataException(file + ": " + message);
    }

    /** The value of {@code key} (null when absent or null); the key counts as known. */
    public JsonNode value(String key) {
        known.add(key);
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v;
    }

    /** A string value, or {@code fallback} when absent (required when {@code fallback} is null). */
    public String string(String key, String fallback) {
        JsonNode v = value(key);
        if (v == null) {
            if (fallback == null) {
                throw error("missing key '" + prefix + key + "'");
            }
            return fallback;
        }
        if (!v.isTextual() && !v.isNumber()) {
            throw wrongType(key, "a string", v);
        }
        return v.asText();
    }

    /** A nested mapping, the same object each time; an absent one reads as empty (its keys take their defaults). */
    public YamlSection section(String key) {
        YamlSection s = sections.get(key);
        if (s == null) {
            JsonNode v = value(key);
            s = new YamlSection(v == null ? JsonNodeFactory.instance.objectNode() : v, file, prefix + key + ".");
            sections.put(key, s);
        }
        return s;
    }

    /** A mapping that is not part of this document's tree of keys (an element of a list), for its own checks. */
    public YamlSection nested(JsonNode element, String fullKey) {
        return new YamlSection(element, file, fullKey + ".");
    }

    /** The full key of {@code key} in this mapping, as messages show it. */
    public String fullKey(String key) {
        return key.isEmpty() ? prefix.replaceAll("\\.$", "") : prefix + key;
    }

    /** Refuses keys that were never read, here and in the nested mappings read. */
    public void finish() {
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                throw error("unknown key '" + prefix + key + "' (expected one of: " + String.join(", ", known) + ")");
            }
        }
        sections.values().forEach(YamlSection::finish);
    }

    /** A value outside its allowed range or set: "'full.key' " followed by {@code problem}. */
    public StrataException invalid(String key, String problem) {
        return error("'" + fullKey(key) + "' " + problem);
    }

    public StrataException wrongType(String key, String expected, JsonNode v) {
        return error("'" + prefix + key + "' must be " + expected + ", got " + describe(v));
    }

    /** A value as messages quote it (shortened). */
    public static String describe(JsonNode v) {
        String text = v.toString();
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }
}
