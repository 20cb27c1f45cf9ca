package dev.strata.jobs.cli;

import dev.strata.pipeline.StrataException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The strata command line: one subcommand per verb. */
@Command(name = "strata", mixinStandardHelpOptions = true, version = "strata 0.1.0",
        description = "Makes large language models smaller by removing and merging whole transformer layers.",
        subcommands = {ConvertCommand.class, PplCommand.class, GenerateCommand.class, CalibrateCommand.class,
            ScoresCommand.class, BenchCommand.class,
            CommandLine.HelpCommand.class})
public final class StrataCli {
    private static final Logger ERR = LogManager.getLogger("strata.err");

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean verbose;

    @Option(names = "--threads", scope = ScopeType.INHERIT, paramLabel = "N",
            description = "Threads for tensor math (PyTorch intra-op); default: PyTorch's choice.")
    Integer threads;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code: 0 done, 1 error, 2 bad usage. */
    public static int run(String... args) {
        StrataCli root = new StrataCli();
        CommandLine cli = new CommandLine(root).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionStrategy(parsed -> {
            root.applyGlobalOptions();
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setExecutionExceptionHandler((ex, command, parsed) -> root.report(ex));
        return cli.execute(args);
    }

    private void applyGlobalOptions() {
        if (threads != null) {
            if (threads < 1) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--threads must be at least 1");
            }
            System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }

    /** One line for people; the stack trace only with --verbose. */
    private int report(Exception ex) {
        Throwable strata = ex;
        while (strata != null && !(strata instanceof StrataException)) {
            strata = strata.getCause();
        }
        Throwable shown = strata != null ? strata : ex;
        String message = shown.getMessage() != null ? shown.getMessage() : shown.getClass().getSimpleName();
        ERR.error("strata: error: " + message.lines().findFirst().orElse("")
                + (strata == null && !verbose ? " (run with --verbose for details)" : ""));
        if (verbose) {
            ERR.error("stack trace:", ex);
        }
        return 1;
    }
}
