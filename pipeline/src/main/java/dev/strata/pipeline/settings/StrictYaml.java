package dev.strata.pipeline.settings;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.strata.pipeline.StrataException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

/**
 * Refuses the YAML that Jackson would read into a different recipe than the one written: a key given twice (Jackson
 * keeps the last), an alias (Jackson reads {@code *m} as the string "m", also in a {@code <<: *m} merge), and a second document (Jackson
 * reads the first only). One pass over the parser's tokens, before the tree is built.
 */
final class StrictYaml {
    private static final YAMLFactory FACTORY = new YAMLFactory();

    private StrictYaml() {
    }

    /** One open mapping or list: its full key as messages show it, and the keys seen so far (mappings only). */
    private record Open(String key, Set<String> seen) {
    }

    /** @param file names the document in messages */
    static void check(String text, String file) throws IOException {
        try (YAMLParser p = (YAMLParser) FACTORY.createParser(text)) {
            Deque<Open> open = new ArrayDeque<>();
            String field = "";
            int roots = 0;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                // An anchor alone changes nothing (and Jackson does not report those on scalars); its alias would.
                if (p.isCurrentAlias()) {
                    throw new StrataException(file + ": aliases (*" + p.getText() + ") are not supported in recipes"
                            + " (line " + line(p) + "); write the value out");
                }
                if (open.isEmpty() && ++roots > 1) {
                    throw new StrataException(file + ": a second document starts at line " + line(p)
                            + "; a recipe is one document");
                }
                switch (t) {
                    case START_OBJECT -> open.push(new Open(childKey(open, field), new HashSet<>()));
                    case START_ARRAY -> open.push(new Open(childKey(open, field), null));
                    case END_OBJECT, END_ARRAY -> open.pop();
                    case FIELD_NAME -> {
                        field = p.currentName();
                        Open mapping = open.peek();
                        if (!mapping.seen().add(field)) {
                            throw new StrataException(file + ": duplicate key '" + join(mapping.key(), field)
                                    + "' (line " + line(p) + ")");
                        }
                    }
                    default -> {
                    }
                }
            }
        }
    }

    /** A nested value takes its key's name; an element of a list is named as the list is (as recipes name them). */
    private static String childKey(Deque<Open> open, String field) {
        Open parent = open.peek();
        if (parent == null) {
            return "";
        }
        return parent.seen() == null ? parent.key() : join(parent.key(), field);
    }

    private static String join(String prefix, String key) {
        return prefix.isEmpty() ? key : prefix + "." + key;
    }

    private static int line(JsonParser p) {
        return p.currentTokenLocation().getLineNr();
    }
}
