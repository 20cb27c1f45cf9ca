package dev.strata.jobs.cli;

import dev.strata.pipeline.settings.Param;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Command-line options made from declared settings: one option per {@link Param}, its flag, placeholder, help and
 * default taken from the declaration, so a command and a recipe section read the same settings the same way.
 */
final class ParamOptions {
    private ParamOptions() {
    }

    /** Adds an option for every setting of {@code params} to {@code spec}. */
    static void add(CommandSpec spec, Params params) {
        for (Param<?> p : params) {
            String fallback = p.shownDefault();
            String help = p.help() + (fallback != null && !p.isSwitch() ? " Default: " + fallback + "."
                    : p.negatedFlag() != null ? " On unless " + p.negatedFlag() + "." : "");
            OptionSpec.Builder option = OptionSpec.builder(p.flag()).description(help).required(p.isRequired());
            if (p.isSwitch()) {
                // a switch that is on by default is turned off by its negated form (--no-references)
                option.arity("0").type(boolean.class).negatable(p.negatedFlag() != null);
            } else {
                option.arity("1").type(String.class).paramLabel(p.label());
            }
            spec.addOption(option.build());
        }
    }

    /** The settings of {@code params} as the command line gave them (the others at their defaults). */
    static Settings read(CommandSpec spec, Params params) {
        ParseResult parsed = spec.commandLine().getParseResult();
        Map<String, String> given = new LinkedHashMap<>();
        for (Param<?> p : params) {
            OptionSpec matched = parsed.matchedOption(p.flag());
            if (matched != null) {
                given.put(p.flag(), matched.getValue().toString());
            }
        }
        return Settings.fromFlags(params, given);
    }
}
