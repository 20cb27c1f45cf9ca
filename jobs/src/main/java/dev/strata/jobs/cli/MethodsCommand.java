package dev.strata.jobs.cli;

import dev.strata.pipeline.compress.CompressionMethod;
import dev.strata.pipeline.compress.Methods;
import dev.strata.pipeline.settings.Param;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** strata methods: every registered method with what it needs and its settings (flag, recipe key, default). */
@Command(name = "methods", mixinStandardHelpOptions = true,
        description = "List the compression methods, with their options: the flag of strata compress METHOD and the "
            + "key of the method's section in a recipe.")
final class MethodsCommand implements Callable<Integer> {
    private static final Logger OUT = LogManager.getLogger("strata.out");

    @Parameters(arity = "0..1", paramLabel = "METHOD", description = "Show one method only.")
    String only;

    @Override
    public Integer call() {
        for (CompressionMethod m : only == null ? Methods.all() : java.util.List.of(Methods.get(only, "METHOD"))) {
            OUT.info("{}: {}", m.name(), m.summary());
            OUT.info("  needs: {}", CompressCommand.needs(m));
            int width = 0;
            for (Param<?> p : m.params()) {
                width = Math.max(width, option(p).length());
            }
            for (Param<?> p : m.params()) {
                String fallback = p.shownDefault();
                OUT.info(String.format("  %-" + width + "s  %s%s", option(p), p.help(),
                        fallback == null || (p.isSwitch() && p.negatedFlag() == null) ? "" : " Default: " + fallback + "."));
            }
            OUT.info("");
        }
        return 0;
    }

    /** "--pair-metric NAME (pair_metric)"; a switch that is on by default shows its negated form too. */
    private static String option(Param<?> p) {
        String flag = p.negatedFlag() != null ? p.flag() + ", " + p.negatedFlag() : p.flag();
        return flag + (p.isSwitch() ? "" : " " + p.label()) + " (" + p.key() + ")";
    }
}
