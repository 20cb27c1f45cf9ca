package dev.strata.jobs.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The commands of earlier versions, kept as documented aliases of {@code strata compress}:
 * <pre>
 * strata merge come ARGS           = strata compress come --epochs 0 --stage2-epochs 0 ARGS  (merging alone)
 * strata prune streamline ARGS     = strata compress streamline ARGS
 * strata prune [--method M] ARGS   = strata compress M ARGS  (M: bi, the default, or ppl-drop)
 * </pre>
 */
final class Aliases {
    /** The global options that take a value as the next argument. */
    private static final java.util.Set<String> GLOBAL_OPTIONS_WITH_VALUE = java.util.Set.of("--threads",
            "--memory-budget", "--dtype");

    private Aliases() {
    }

    /** The arguments with an alias (after the global options) spelled as the command it stands for. */
    static String[] expand(String[] args) {
        int i = 0;
        while (i < args.length && args[i].startsWith("-")) {
            i += GLOBAL_OPTIONS_WITH_VALUE.contains(args[i]) ? 2 : 1;
        }
        List<String> head = new ArrayList<>(Arrays.asList(args).subList(0, i));
        List<String> rest = new ArrayList<>(Arrays.asList(args).subList(i, args.length));
        if (rest.size() >= 2 && rest.get(0).equals("merge") && rest.get(1).equals("come")) {
            rest.subList(0, 2).clear();
            rest.addAll(0, List.of("compress", "come", "--epochs", "0", "--stage2-epochs", "0"));
        } else if (rest.size() >= 2 && rest.get(0).equals("prune") && rest.get(1).equals("streamline")) {
            rest.subList(0, 2).clear();
            rest.addAll(0, List.of("compress", "streamline"));
        } else if (!rest.isEmpty() && rest.get(0).equals("prune")) {
            String method = "bi";
            for (int at = 1; at < rest.size(); at++) {
                if (rest.get(at).startsWith("--method=")) {
                    method = rest.remove(at).substring("--method=".length());
                    break;
                }
                if (rest.get(at).equals("--method") && at + 1 < rest.size()) {
                    method = rest.get(at + 1);
                    rest.subList(at, at + 2).clear();
                    break;
                }
            }
            rest.set(0, method);
            rest.add(0, "compress");
        } else {
            return args;
        }
        head.addAll(rest);
        return head.toArray(String[]::new);
    }
}
