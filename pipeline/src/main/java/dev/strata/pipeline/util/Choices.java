package dev.strata.pipeline.util;

import dev.strata.pipeline.StrataException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Names of enum constants as people type them (lower case, '-' for '_': PPL_DROP is "ppl-drop"), and the reading
 * of a typed name back, refused with the list of the known ones.
 */
public final class Choices {
    private Choices() {
    }

    /** The name of {@code value} on the command line and in recipes. */
    public static String id(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The names of {@code values}, in order. */
    public static List<String> ids(Enum<?>[] values) {
        return Arrays.stream(values).map(Choices::id).toList();
    }

    /** The constant named {@code id}; {@code option} names where it was given in the error. */
    public static <E extends Enum<E>> E parse(E[] values, String id, String option) {
        for (E v : values) {
            if (id(v).equals(id)) {
                return v;
            }
        }
        throw new StrataException(option + " '" + id + "' is not known (expected one of "
                + String.join(", ", ids(values)) + ")");
    }
}
