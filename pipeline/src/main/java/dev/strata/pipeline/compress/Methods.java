package dev.strata.pipeline.compress;

import dev.strata.pipeline.StrataException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of compression methods, by name (as mergekit registers its merge methods): the command line, recipes
 * and {@code strata methods} find every method here. Adding a method is one line below.
 */
public final class Methods {
    private static final Map<String, CompressionMethod> BY_NAME = new LinkedHashMap<>();

    static {
        register(new Come());
        register(LayerPruning.shortGpt());
        register(LayerPruning.sleb());
        register(new Streamline());
        register(new ReplaceMe());
        register(new dev.strata.pipeline.tailor.Tailor());
    }

    private Methods() {
    }

    private static void register(CompressionMethod method) {
        if (BY_NAME.put(method.name(), method) != null) {
            throw new IllegalStateException("two methods are named " + method.name());
        }
    }

    /** Every method, in the order listings show them. */
    public static List<CompressionMethod> all() {
        return List.copyOf(BY_NAME.values());
    }

    /** The method named {@code name}; {@code where} names the setting or argument in the error. */
    public static CompressionMethod get(String name, String where) {
        CompressionMethod m = BY_NAME.get(name);
        if (m == null) {
            throw new StrataException(where + " '" + name + "' is not a method (expected one of "
                    + String.join(", ", BY_NAME.keySet()) + ")");
        }
        return m;
    }
}
