package dev.strata.pipeline.settings;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The settings a component declares, in the order help lists them; keys and flags are unique. */
public final class Params implements Iterable<Param<?>> {
    private final List<Param<?>> params;

    private Params(List<Param<?>> params) {
        Map<String, Param<?>> keys = new LinkedHashMap<>();
        Map<String, Param<?>> flags = new LinkedHashMap<>();
        for (Param<?> p : params) {
            if (keys.put(p.key(), p) != null || flags.put(p.flag(), p) != null) {
                throw new IllegalArgumentException("two settings share the key " + p.key() + " or the flag " + p.flag());
            }
        }
        this.params = List.copyOf(params);
    }

    public static Params of(Param<?>... params) {
        return new Params(List.of(params));
    }

    /** These settings followed by {@code more}. */
    public Params and(Params more) {
        List<Param<?>> all = new ArrayList<>(params);
        more.forEach(all::add);
        return new Params(all);
    }

    public Params and(Param<?>... more) {
        return and(of(more));
    }

    /** These settings but {@code left} (by key). */
    public Params without(Param<?>... left) {
        List<String> keys = java.util.Arrays.stream(left).map(Param::key).toList();
        return new Params(params.stream().filter(p -> !keys.contains(p.key())).toList());
    }

    /** These settings, the keys of {@code replacements} declared by them instead (e.g. under another flag). */
    public Params replacing(Param<?>... replacements) {
        List<Param<?>> all = params;
        for (Param<?> p : replacements) {
            all = all.stream().<Param<?>>map(q -> q.key().equals(p.key()) ? p : q).toList();
        }
        return new Params(all);
    }

    @Override
    public Iterator<Param<?>> iterator() {
        return params.iterator();
    }
}
