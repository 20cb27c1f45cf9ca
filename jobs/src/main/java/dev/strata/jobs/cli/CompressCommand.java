package dev.strata.jobs.cli;

import dev.strata.jobs.spark.RunDriver;
import dev.strata.jobs.spark.RunLayout;
import dev.strata.jobs.spark.Sessions;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.CompressionMethod;
import dev.strata.pipeline.compress.Methods;
import dev.strata.pipeline.compress.Need;
import dev.strata.pipeline.compress.Product;
import dev.strata.pipeline.compress.RunParams;
import dev.strata.pipeline.settings.Settings;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * strata compress METHOD: every registered method as a subcommand, its options made from the run's settings and the
 * method's own ({@link ParamOptions}).
 */
@Command(name = "compress", mixinStandardHelpOptions = true,
        description = {"Compress a model with a registered method (strata methods lists them), as Spark jobs.",
            "Writes OUT/models/METHOD/NAME (Hugging Face folders with plan.json), OUT/scores and OUT/data; a rerun "
                + "resumes after the last finished stage, and other methods may run in the same folder."})
final class CompressCommand {
    private static final Logger OUT = LogManager.getLogger("strata.out");

    /** The command with one subcommand per registered method. */
    static CommandLine create() {
        CommandLine parent = new CommandLine(new CompressCommand());
        for (CompressionMethod m : Methods.all()) {
            parent.addSubcommand(m.name(), MethodCommand.create(m));
        }
        return parent;
    }

    /** One method's command. */
    static final class MethodCommand implements Callable<Integer> {
        private final CompressionMethod method;
        private CommandSpec spec;

        private MethodCommand(CompressionMethod method) {
            this.method = method;
        }

        static CommandLine create(CompressionMethod method) {
            MethodCommand command = new MethodCommand(method);
            CommandSpec spec = CommandSpec.wrapWithoutInspection(command).name(method.name())
                    .mixinStandardHelpOptions(true);
            spec.usageMessage().description(method.summary(), "Needs: " + needs(method) + ". The key of every option "
                    + "in a recipe's method section: strata methods " + method.name() + ".");
            ParamOptions.add(spec, RunParams.PARAMS);
            spec.addOption(OptionSpec.builder("--out").required(true).paramLabel("DIR").type(String.class)
                    .description("Run folder (created, or resumed).").build());
            spec.addOption(OptionSpec.builder("--master").paramLabel("URL").type(String.class)
                    .description("Spark master (default: spark-submit's, else local[*]).").build());
            ParamOptions.add(spec, method.params());
            command.spec = spec;
            return new CommandLine(spec);
        }

        @Override
        public Integer call() {
            Settings run = ParamOptions.read(spec, RunParams.PARAMS);
            Settings settings = ParamOptions.read(spec, method.params());
            String out = spec.findOption("--out").getValue();
            String master = spec.findOption("--master").getValue();
            try (Sessions.Lazy spark = Sessions.lazy(master, "compress " + method.name());
                    RunDriver driver = RunDriver.open(run, out, spark)) {
                print(driver.compress(method, settings), driver);
                if (!driver.reportSections().isEmpty()) {
                    OUT.info("report: {}.md and .html", driver.folder().path(RunLayout.methodReport(method.name())));
                }
            }
            return 0;
        }

        private static void print(List<Product> products, RunDriver driver) {
            long original = driver.config().parameterCount();
            int width = products.stream().mapToInt(p -> p.label().length()).max().orElse(5);
            for (Product p : products) {
                OUT.info(String.format(Locale.ROOT, "%-" + width + "s  %2d layers  %,13d parameters (%5.1f%%)  %s",
                        p.label(), p.layers(), p.parameters(), 100.0 * p.parameters() / original, p.model().address()));
            }
        }
    }

    /** What a method needs with its default settings, for listings. */
    static String needs(CompressionMethod m) {
        try {
            return m.needs(Settings.fromFlags(m.params(), Map.of())).stream().map(Need::id)
                    .collect(Collectors.joining(", "));
        } catch (StrataException ex) { // a setting without a default: what it needs depends on it
            return "depends on its settings";
        }
    }
}
