package dev.strata.pipeline.settings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Values of declared settings, read from a recipe section or from command-line flags, every value checked against
 * its declaration, absent ones at their defaults. Errors name the setting as its source does: the file and full key
 * of a recipe ({@code recipe.yaml: 'methods.come.pair_metric' ...}), or the flag ({@code --pair-metric ...}).
 */
public final class Settings {
    private final Params params;
    private final Map<String, Object> values;
    private final Source source;

    /** Where values come from, and how the source names a setting in a message. */
    private interface Source {
        /** The value given for {@code p}, null when absent. */
        Object value(Param<?> p) throws Param.Wrong;

        StrataException missing(Param<?> p);

        StrataException error(Param<?> p, String problem);

        String name(Param<?> p);
    }

    private Settings(Params params, Map<String, Object> values, Source source) {
        this.params = params;
        this.values = values;
        this.source = source;
    }

    /** Reads {@code params} from a recipe mapping (dotted keys are nested mappings); unknown keys are the caller's. */
    public static Settings fromYaml(Params params, YamlSection section) {
        return read(params, new Source() {
            public Object value(Param<?> p) throws Param.Wrong {
                JsonNode v = owner(section, p.key()).value(last(p.key()));
                return v == null ? null : p.fromYaml(v);
            }

            public StrataException missing(Param<?> p) {
                YamlSection owner = owner(section, p.key());
                return owner.error("missing key '" + owner.fullKey(last(p.key())) + "'");
            }

            public StrataException error(Param<?> p, String problem) {
                return owner(section, p.key()).invalid(last(p.key()), problem);
            }

            public String name(Param<?> p) {
                return "'" + owner(section, p.key()).fullKey(last(p.key())) + "'";
            }
        });
    }

    /**
     * Reads {@code params} from command-line flags: the text given after each flag (a switch given alone: "true");
     * flags absent take their defaults. Required flags must be present (the command line checks them first).
     */
    public static Settings fromFlags(Params params, Map<String, String> flags) {
        return read(params, new Source() {
            public Object value(Param<?> p) throws Param.Wrong {
                String text = flags.get(p.flag());
                return text == null ? null : p.fromText(text);
            }

            public StrataException missing(Param<?> p) {
                return new StrataException("missing " + p.flag());
            }

            public StrataException error(Param<?> p, String problem) {
                return new StrataException(p.flag() + " " + problem);
            }

            public String name(Param<?> p) {
                return p.flag();
            }
        });
    }

    /** Every setting's value: as given (checked by its declaration), else its default. */
    private static Settings read(Params params, Source source) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Param<?> p : params) {
            Object value;
            try {
                value = source.value(p);
            } catch (Param.Wrong ex) {
                throw source.error(p, ex.getMessage());
            }
            if (value == null && p.isRequired()) {
                throw source.missing(p);
            }
            put(p, value == null ? p.fallback() : value, values, source);
        }
        return new Settings(params, values, source);
    }

    @SuppressWarnings("unchecked")
    private static <T> void put(Param<T> p, Object value, Map<String, Object> values, Source source) {
        if (value != null) {
            String problem = p.problem((T) value);
            if (problem != null) {
                throw source.error(p, problem);
            }
        }
        values.put(p.key(), value);
    }

    private static YamlSection owner(YamlSection root, String key) {
        YamlSection s = root;
        String[] parts = key.split("\\.");
        for (int i = 0; i < parts.length - 1; i++) {
            s = s.section(parts[i]);
        }
        return s;
    }

    private static String last(String key) {
        return key.substring(key.lastIndexOf('.') + 1);
    }

    /** The value of {@code p} (null when it has no default and was not given). */
    @SuppressWarnings("unchecked")
    public <T> T get(Param<T> p) {
        if (!values.containsKey(p.key())) {
            throw new IllegalArgumentException("no setting " + p.key() + " here");
        }
        return (T) values.get(p.key());
    }

    /**
     * These settings with {@code p} set to {@code value}, checked as a given value is: for a value chosen in code
     * rather than written (a search's coefficient per layer).
     */
    public <T> Settings with(Param<T> p, T value) {
        if (!values.containsKey(p.key())) {
            throw new IllegalArgumentException("no setting " + p.key() + " here");
        }
        Map<String, Object> copy = new LinkedHashMap<>(values);
        put(p, value, copy, source);
        return new Settings(params, copy, source);
    }

    /** True when {@code p} is one of these settings. */
    public boolean has(Param<?> p) {
        return values.containsKey(p.key());
    }

    /** An error about {@code p}'s value: its name as the source spells it, then {@code problem}. */
    public StrataException invalid(Param<?> p, String problem) {
        return source.error(p, problem);
    }

    /** {@code p} as the source names it: {@code --layers} or {@code 'methods.streamline.layers'}. */
    public String name(Param<?> p) {
        return source.name(p);
    }

    /** Every value by key (defaults included, absent ones left out): a run's identity, a plan step's parameters. */
    public ObjectNode toJson() {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (Param<?> p : params) {
            Object v = values.get(p.key());
            if (v != null) {
                out.set(p.key(), p.toJson(v));
            }
        }
        return out;
    }

    /** The values as a person reads them: key=value, ... */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (Param<?> p : params) {
            Object v = values.get(p.key());
            if (v != null) {
                s.append(s.length() == 0 ? "" : ", ").append(p.key()).append('=').append(p.show(v));
            }
        }
        return s.toString();
    }
}
