package dev.strata.pipeline.settings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.strata.pipeline.util.Choices;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One setting, declared once: its key in a recipe section (dotted for nested mappings, e.g.
 * "training.learning_rate"), its command-line flag, its type, its default and its help. Recipes and the command
 * line read every setting through its declaration, so both accept the same values, refuse them with the same
 * message, and fill in the same default (as Spark ML's Params declare an estimator's settings).
 *
 * @param <T> the type of the value
 */
public final class Param<T> {
    private final String key;
    private final String flag;
    private final String label;
    private final Kind<T> kind;
    private final T fallback;
    private final boolean required;
    private final String help;
    private final List<Check<T>> checks;

    private Param(String key, String flag, String label, Kind<T> kind, T fallback, boolean required, String help,
            List<Check<T>> checks) {
        this.key = key;
        this.flag = flag;
        this.label = label;
        this.kind = kind;
        this.fallback = fallback;
        this.required = required;
        this.help = help;
        this.checks = List.copyOf(checks);
    }

    /** A value outside the type's form: the text that follows the setting's name in the message. */
    public static final class Wrong extends Exception {
        private static final long serialVersionUID = 1L;

        public Wrong(String problem) {
            super(problem, null, false, false);
        }
    }

    /** A rule on a valid value: null when it holds, else the problem ("must be at least 1, got 0"). */
    @FunctionalInterface
    public interface Check<T> {
        String problem(T value);
    }

    /** How a type reads from YAML and from command-line text, and how it is written back. */
    interface Kind<T> {
        T fromYaml(JsonNode v) throws Wrong;

        T fromText(String text) throws Wrong;

        JsonNode toJson(T value);

        String show(T value);

        /** True for a boolean: on the command line the flag alone sets it. */
        default boolean isSwitch() {
            return false;
        }
    }

    // ---- declarations

    public static Param<Integer> integer(String key, Integer fallback, String help) {
        return new Param<>(key, flagOf(key), "N", INTEGER, fallback, false, help, List.of());
    }

    public static Param<Double> number(String key, Double fallback, String help) {
        return new Param<>(key, flagOf(key), "X", NUMBER, fallback, false, help, List.of());
    }

    /** A boolean, false unless set (on the command line the flag alone sets it). */
    public static Param<Boolean> bool(String key, String help) {
        return new Param<>(key, flagOf(key), "", SWITCH, false, false, help, List.of());
    }

    /**
     * A boolean with a default of its own: on the command line the flag alone sets it and, when the default is true,
     * its negated form (--no-FLAG) clears it.
     */
    public static Param<Boolean> bool(String key, boolean fallback, String help) {
        return new Param<>(key, flagOf(key), "", SWITCH, fallback, false, help, List.of());
    }

    public static Param<String> text(String key, String fallback, String help) {
        return new Param<>(key, flagOf(key), "TEXT", TEXT, fallback, false, help, List.of());
    }

    /** One of an enum's constants, named as {@link Choices} names them. */
    public static <E extends Enum<E>> Param<E> choice(String key, E[] values, E fallback, String help) {
        return new Param<>(key, flagOf(key), "NAME", new ChoiceKind<>(values), fallback, false, help, List.of());
    }

    /** A list of integers (one integer alone reads as a list of one; on the command line: 1,2). */
    public static Param<List<Integer>> integers(String key, List<Integer> fallback, String help) {
        return new Param<>(key, flagOf(key), "N[,N...]", new ListKind<>(INTEGER, "an integer or a list of integers"),
                fallback, false, help, List.of());
    }

    /** A list of an enum's constants. */
    public static <E extends Enum<E>> Param<List<E>> choices(String key, E[] values, List<E> fallback, String help) {
        return new Param<>(key, flagOf(key), "NAME[,NAME...]", new ListKind<>(new ChoiceKind<>(values),
                "a name or a list of names"), fallback, false, help, List.of());
    }

    /** A list of strings ("a, b" reads as a list of two). */
    public static Param<List<String>> texts(String key, List<String> fallback, String help) {
        return new Param<>(key, flagOf(key), "NAME[,NAME...]", new ListKind<>(TEXT, "a list of strings"), fallback,
                false, help, List.of());
    }

    /** The command-line flag of a key: its last part with '-' for '_' ("training.clip_norm" -> "--clip-norm"). */
    private static String flagOf(String key) {
        return "--" + key.substring(key.lastIndexOf('.') + 1).replace('_', '-');
    }

    // ---- refinements, each returning a new declaration

    /** Another command-line flag. */
    public Param<T> flag(String newFlag) {
        return new Param<>(key, newFlag, label, kind, fallback, required, help, checks);
    }

    /** Another help text (the same setting, used for another purpose by a command). */
    public Param<T> help(String newHelp) {
        return new Param<>(key, flag, label, kind, fallback, required, newHelp, checks);
    }

    /** The placeholder of the value in help ("N", "DIR"). */
    public Param<T> label(String newLabel) {
        return new Param<>(key, flag, newLabel, kind, fallback, required, help, checks);
    }

    /** Must be given (it has no default). */
    public Param<T> required() {
        return new Param<>(key, flag, label, kind, null, true, help, checks);
    }

    /** Adds a rule the value must follow. */
    public Param<T> check(Check<T> check) {
        List<Check<T>> all = new ArrayList<>(checks);
        all.add(check);
        return new Param<>(key, flag, label, kind, fallback, required, help, all);
    }

    // ---- common rules

    public static Check<Integer> atLeast(int min) {
        return v -> v < min ? "must be at least " + min + ", got " + v : null;
    }

    public static Check<Double> positive() {
        return v -> !(v > 0) ? "must be > 0, got " + v : null;
    }

    public static Check<Double> nonNegative() {
        return v -> !(v >= 0) ? "must be >= 0, got " + v : null;
    }

    /** Between 0 and 1, both included. */
    public static Check<Double> unitInterval() {
        return v -> !(v >= 0 && v <= 1) ? "must lie between 0 and 1, got " + v : null;
    }

    /** Above 0 and at most 1. */
    public static Check<Double> share() {
        return v -> !(v > 0 && v <= 1) ? "must be > 0 and at most 1, got " + v : null;
    }

    /** Strictly between 0 and 1. */
    public static Check<Double> fraction() {
        return v -> !(v > 0 && v < 1) ? "must lie strictly between 0 and 1, got " + v : null;
    }

    // ---- reading

    public String key() {
        return key;
    }

    public String flag() {
        return flag;
    }

    public String label() {
        return label;
    }

    public String help() {
        return help;
    }

    public boolean isRequired() {
        return required;
    }

    public boolean isSwitch() {
        return kind.isSwitch();
    }

    /** The flag that clears a switch that is on by default ("--no-references"), or null for any other setting. */
    public String negatedFlag() {
        return isSwitch() && Boolean.TRUE.equals(fallback) ? "--no-" + flag.substring(2) : null;
    }

    /** The default (null: none). */
    public T fallback() {
        return fallback;
    }

    /** The default as help shows it, or null when there is none. */
    public String shownDefault() {
        return fallback == null ? null : kind.show(fallback);
    }

    T fromYaml(JsonNode v) throws Wrong {
        return kind.fromYaml(v);
    }

    T fromText(String text) throws Wrong {
        return kind.fromText(text);
    }

    /** The first broken rule's problem, or null. */
    String problem(T value) {
        for (Check<T> c : checks) {
            String p = c.problem(value);
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    JsonNode toJson(Object value) {
        @SuppressWarnings("unchecked")
        T v = (T) value;
        return value == null ? JsonNodeFactory.instance.nullNode() : kind.toJson(v);
    }

    String show(Object value) {
        @SuppressWarnings("unchecked")
        T v = (T) value;
        return value == null ? "" : kind.show(v);
    }

    @Override
    public String toString() {
        return key;
    }

    // ---- the kinds

    private static Wrong wrong(String expected, JsonNode v) {
        return new Wrong("must be " + expected + ", got " + YamlSection.describe(v));
    }

    private static Wrong wrong(String expected, String text) {
        return new Wrong("must be " + expected + ", got '" + text + "'");
    }

    private static final Kind<Integer> INTEGER = new Kind<>() {
        public Integer fromYaml(JsonNode v) throws Wrong {
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw wrong("an integer", v);
            }
            return v.asInt();
        }

        public Integer fromText(String text) throws Wrong {
            try {
                return Integer.parseInt(text.trim());
            } catch (NumberFormatException ex) {
                throw wrong("an integer", text);
            }
        }

        public JsonNode toJson(Integer value) {
            return JsonNodeFactory.instance.numberNode(value);
        }

        public String show(Integer value) {
            return value.toString();
        }
    };

    private static final Kind<Double> NUMBER = new Kind<>() {
        public Double fromYaml(JsonNode v) throws Wrong {
            if (v.isTextual()) {
                try {
                    return Double.parseDouble(v.asText()); // YAML 1.1 reads 2e-4 as a string
                } catch (NumberFormatException ex) {
                    throw wrong("a number", v);
                }
            }
            if (!v.isNumber()) {
                throw wrong("a number", v);
            }
            return v.asDouble();
        }

        public Double fromText(String text) throws Wrong {
            try {
                return Double.parseDouble(text.trim());
            } catch (NumberFormatException ex) {
                throw wrong("a number", text);
            }
        }

        public JsonNode toJson(Double value) {
            return JsonNodeFactory.instance.numberNode(value);
        }

        public String show(Double value) {
            return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
        }
    };

    private static final Kind<Boolean> SWITCH = new Kind<>() {
        public Boolean fromYaml(JsonNode v) throws Wrong {
            if (!v.isBoolean()) {
                throw wrong("true or false", v);
            }
            return v.asBoolean();
        }

        public Boolean fromText(String text) throws Wrong {
            return switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw wrong("true or false", text);
            };
        }

        public JsonNode toJson(Boolean value) {
            return JsonNodeFactory.instance.booleanNode(value);
        }

        public String show(Boolean value) {
            return value.toString();
        }

        public boolean isSwitch() {
            return true;
        }
    };

    private static final Kind<String> TEXT = new Kind<>() {
        public String fromYaml(JsonNode v) throws Wrong {
            if (!v.isTextual() && !v.isNumber()) {
                throw wrong("a string", v);
            }
            return v.asText();
        }

        public String fromText(String text) {
            return text;
        }

        public JsonNode toJson(String value) {
            return JsonNodeFactory.instance.textNode(value);
        }

        public String show(String value) {
            return value;
        }
    };

    private static final class ChoiceKind<E extends Enum<E>> implements Kind<E> {
        private final E[] values;

        ChoiceKind(E[] values) {
            this.values = values;
        }

        public E fromYaml(JsonNode v) throws Wrong {
            if (!v.isTextual()) {
                throw wrong("one of " + String.join(", ", Choices.ids(values)), v);
            }
            return fromText(v.asText());
        }

        public E fromText(String text) throws Wrong {
            for (E e : values) {
                if (Choices.id(e).equals(text.trim())) {
                    return e;
                }
            }
            throw new Wrong("'" + text + "' is not known (expected one of " + String.join(", ", Choices.ids(values))
                    + ")");
        }

        public JsonNode toJson(E value) {
            return JsonNodeFactory.instance.textNode(Choices.id(value));
        }

        public String show(E value) {
            return Choices.id(value);
        }
    }

    private static final class ListKind<E> implements Kind<List<E>> {
        private final Kind<E> element;
        private final String expected;

        ListKind(Kind<E> element, String expected) {
            this.element = element;
            this.expected = expected;
        }

        public List<E> fromYaml(JsonNode v) throws Wrong {
            if (v.isTextual()) {
                return fromText(v.asText());
            }
            if (!v.isArray()) {
                try {
                    return List.of(element.fromYaml(v));
                } catch (Wrong ex) {
                    throw wrong(expected, v);
                }
            }
            List<E> out = new ArrayList<>();
            for (JsonNode e : v) {
                out.add(element.fromYaml(e));
            }
            return List.copyOf(out);
        }

        public List<E> fromText(String text) throws Wrong {
            List<E> out = new ArrayList<>();
            for (String part : text.split("\\s*,\\s*")) {
                if (!part.isBlank()) {
                    out.add(element.fromText(part));
                }
            }
            return List.copyOf(out);
        }

        public JsonNode toJson(List<E> value) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            value.forEach(e -> array.add(element.toJson(e)));
            return array;
        }

        public String show(List<E> value) {
            return String.join(",", value.stream().map(element::show).toList());
        }
    }
}
