package dev.strata.jobs.cli;

import dev.strata.jobs.io.RunFolder;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.Distillation;
import dev.strata.pipeline.compress.RunParams;
import dev.strata.pipeline.eval.EvalParams;
import dev.strata.pipeline.forward.ComputeType;
import dev.strata.pipeline.forward.MemoryBudget;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.tailor.Finetune;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The strata command line: one subcommand per verb. */
@Command(name = "strata", mixinStandardHelpOptions = true, version = "strata 0.1.0",
        description = "Makes large language models smaller by removing and merging whole transformer layers.",
        subcommands = {ConvertCommand.class, SynthCommand.class, PplCommand.class, GenerateCommand.class, ScoresCommand.class,
            MethodsCommand.class, RunCommand.class, BenchCommand.class, DoctorCommand.class,
            CommandLine.HelpCommand.class})
public final class StrataCli {
    private static final Logger ERR = LogManager.getLogger("strata.err");

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Print stack traces of errors, and Spark's, Hadoop's and Parquet's warnings and errors.")
    boolean verbose;

    @Option(names = "--recompute", scope = ScopeType.INHERIT,
            description = "When a run folder's inputs (model, data, scores, task data) changed since its run, compute "
                + "every stage again instead of refusing the folder.")
    boolean recompute;

    @Option(names = "--threads", scope = ScopeType.INHERIT, paramLabel = "N",
            description = "Threads for tensor math (PyTorch intra-op); default: PyTorch's choice.")
    Integer threads;

    @Option(names = "--memory-budget", scope = ScopeType.INHERIT, paramLabel = "SIZE",
            description = "Memory a JVM's model weights may take (e.g. 6g): a model whose weights as F32 fit is held "
                + "whole, a larger one is streamed from its files a layer at a time; default: 3/4 of the JVM's "
                + "-XX:MaxDirectMemorySize. Executors read it from spark.strata.memoryBudget.")
    String memoryBudget;

    @Option(names = "--dtype", scope = ScopeType.INHERIT, paramLabel = "TYPE",
            description = "Floating type. For commands that run a model, what matrix products compute in: f32 or f16 "
                + "(residual stream, norms, softmax and logits stay f32; bf16 cannot be computed by DJL 0.36); "
                + "default: the checkpoint's f16 on a GPU, else f32. For synth, how the weights are stored: f32, "
                + "f16 or bf16 (default: bf16).")
    String dtype;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code: 0 done, 1 error, 2 bad usage. */
    public static int run(String... args) {
        StrataCli root = new StrataCli();
        CommandLine cli = new CommandLine(root);
        cli.addSubcommand(withSettings(new CalibrateCommand(), CalibrateCommand.OPTIONS));
        cli.addSubcommand(CompressCommand.create());
        cli.addSubcommand(MergeCommand.create());
        cli.addSubcommand(withSettings(new DistillCommand(), DistillCommand.OPTIONS.and(Distillation.PARAMS)));
        cli.addSubcommand(withSettings(new EvalCommand(), EvalParams.PARAMS));
        cli.addSubcommand(withSettings(new FinetuneCommand(), FinetuneCommand.OPTIONS.and(Finetune.PARAMS)));
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionStrategy(parsed -> {
            try {
                root.applyGlobalOptions();
            } catch (StrataException badValue) {
                return root.report(badValue);
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        cli.setExecutionExceptionHandler((ex, command, parsed) -> root.report(ex));
        cli.setParameterExceptionHandler(StrataCli::usageError);
        try {
            return cli.execute(Aliases.expand(args));
        } catch (OutOfMemoryError ex) {
            ERR.error("strata: error: " + outOfMemory(ex));
            return 1;
        }
    }

    /**
     * An out-of-memory error in one line: which memory ran out and what to change. Weights and activations live in
     * direct memory (-XX:MaxDirectMemorySize), within --memory-budget; the rest in the heap (-Xmx).
     */
    static String outOfMemory(OutOfMemoryError ex) {
        String what = String.valueOf(ex.getMessage());
        boolean direct = what.contains("direct buffer");
        return "out of " + (direct ? "direct" : "heap") + " memory (" + what + "); "
                + (direct ? "lower --memory-budget or --batch, or raise -XX:MaxDirectMemorySize"
                        : "raise -Xmx or lower --batch")
                + " (./strata reads JVM options from STRATA_JAVA_OPTS; spark-submit from spark.driver/executor memory)";
    }

    /** An annotated command with one option per declared setting. */
    private static CommandLine withSettings(Object command, Params settings) {
        CommandLine line = new CommandLine(command);
        ParamOptions.add(line.getCommandSpec(), settings);
        return line;
    }

    /** Libraries whose own logs conf/log4j2.xml turns off; --verbose shows their warnings and errors. */
    static final List<String> QUIET_LIBRARIES = List.of("org.apache.spark", "org.sparkproject", "org.apache.hadoop",
            "org.apache.parquet");

    private void applyGlobalOptions() {
        System.setProperty(RunFolder.RECOMPUTE, Boolean.toString(recompute));
        if (verbose) {
            for (String name : QUIET_LIBRARIES) {
                Configurator.setLevel(name, Level.WARN);
            }
        }
        // set or cleared on every run: a JVM that runs several commands (tests, notebooks) must not inherit them
        if (memoryBudget != null) {
            MemoryBudget.parse(memoryBudget, "--memory-budget");
            System.setProperty(MemoryBudget.PROPERTY, memoryBudget);
        } else {
            System.clearProperty(MemoryBudget.PROPERTY);
        }
        if (dtype != null) {
            System.setProperty(ComputeType.PROPERTY, dtype);
        } else {
            System.clearProperty(ComputeType.PROPERTY);
        }
        if (threads != null) {
            if (threads < 1) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--threads must be at least 1");
            }
            System.setProperty("ai.djl.pytorch.num_threads", threads.toString());
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }

    /** A usage mistake is one line too, pointing at the command's help instead of printing it. */
    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        String command = ex.getCommandLine().getCommandSpec().qualifiedName();
        ERR.error("strata: error: " + String.valueOf(ex.getMessage()).lines().findFirst().orElse("")
                + " (see " + command + " --help)");
        return 2;
    }

    /** One line for people; the stack trace only with --verbose. */
    private int report(Exception ex) {
        String forPeople = strataMessage(ex);
        String message = forPeople != null ? forPeople
                : (ex.getMessage() != null ? ex.getMessage() : ex.getClass().getSimpleName())
                        + (verbose ? "" : " (run with --verbose for details)");
        ERR.error("strata: error: " + message.lines().findFirst().orElse(""));
        if (verbose) {
            ERR.error("stack trace:", ex);
        }
        return 1;
    }

    /**
     * The message of the StrataException behind {@code ex}: a cause, or, when it was thrown inside a Spark task,
     * the text Spark quotes in the message of the exception that failed the job. Null when there is none.
     */
    static String strataMessage(Throwable ex) {
        String marker = StrataException.class.getName() + ": ";
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof StrataException) {
                return t.getMessage();
            }
        }
        for (Throwable t = ex; t != null; t = t.getCause()) {
            String m = t.getMessage();
            int at = m == null ? -1 : m.indexOf(marker);
            if (at >= 0) {
                return m.substring(at + marker.length());
            }
        }
        return null;
    }
}
