package dev.strata.pipeline.merge;

import dev.strata.pipeline.StrataException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The registry of merge operators by name, as mergekit's merge methods. Adding an operator is one line below. */
public final class MergeOperators {
    private static final Map<String, MergeOperator> BY_NAME = new LinkedHashMap<>();

    static {
        register(new Linear());
        register(new TaskArithmetic());
        register(new Ties());
        register(new Dare());
        register(new Slerp());
        register(new Passthrough());
    }

    private MergeOperators() {
    }

    private static void register(MergeOperator op) {
        if (BY_NAME.put(op.name(), op) != null) {
            throw new IllegalStateException("two merge operators are named " + op.name());
        }
    }

    /** Every operator, in the order listings show them. */
    public static List<MergeOperator> all() {
        return List.copyOf(BY_NAME.values());
    }

    /** The names, in order. */
    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /** The operator named {@code name}; {@code where} names the setting in the error. */
    public static MergeOperator get(String name, String where) {
        MergeOperator op = BY_NAME.get(name);
        if (op == null) {
            throw new StrataException(where + " '" + name + "' is not a merge method (expected one of "
                    + String.join(", ", BY_NAME.keySet()) + ")");
        }
        return op;
    }
}
