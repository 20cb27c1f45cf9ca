package dev.strata.jobs.cli;

import dev.strata.pipeline.merge.MergeConfig;
import dev.strata.pipeline.merge.MergeOperator;
import dev.strata.pipeline.merge.MergeOperators;
import dev.strata.pipeline.merge.ModelMerge;
import dev.strata.pipeline.model.ModelWeights;
import java.nio.file.Path;
import dev.strata.pipeline.settings.Param;
import dev.strata.pipeline.settings.Params;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * strata merge: parameter merges of whole models. ({@code strata merge come} is not a subcommand here: it is an
 * alias of {@code strata compress come}, expanded by {@link Aliases} before parsing.)
 */
@Command(name = "merge", mixinStandardHelpOptions = true, subcommands = MergeCommand.Models.class,
        description = {"Merge models parameter by parameter (strata merge models), as mergekit does.",
            "strata merge come ARGS is an alias of strata compress come --epochs 0 --stage2-epochs 0 ARGS."})
final class MergeCommand {

    @Command(name = "models", mixinStandardHelpOptions = true,
            description = {"Merge models as a mergekit-style YAML config says: merge_method, base_model, models "
                + "(each with parameters: weight, density) or slices (sources with layer_range), parameters "
                + "(lambda, t, normalize, seed, consensus) and dtype. Paths are relative to the config's folder.",
                "Writes a Hugging Face folder (the base's config and tokenizer) with merge.json, all at once."})
    static final class Models implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "CONFIG.yaml", description = "The merge config.")
        Path config;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "New model folder (must not "
                + "exist, or be empty).")
        Path out;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Override
        public Integer call() {
            MergeConfig merge = MergeConfig.read(config);
            ModelWeights merged = ModelMerge.run(merge, out);
            new Report().put("model", out.toString()).put("merge_method", merge.operator().name())
                    .put("config", merged.config().toString()).put("tensors", merged.names().size())
                    .print(json);
            return 0;
        }
    }

    /** The command, its help listing the registered operators (summaries fit the 80 columns of help). */
    static CommandLine create() {
        CommandLine merge = new CommandLine(new MergeCommand());
        StringBuilder s = new StringBuilder("%nmerge_method:%n");
        for (MergeOperator op : MergeOperators.all()) {
            s.append(String.format("  %-16s %s%%n", op.name(), op.summary().replace("%", "%%")));
            s.append(String.format("  %-16s keys: %s; per model: %s%%n", "", keys(op.params()),
                    keys(op.modelParams())));
        }
        merge.getSubcommands().get("models").getCommandSpec().usageMessage().footer(s.toString());
        return merge;
    }

    private static String keys(Params params) {
        String keys = StreamSupport.stream(params.spliterator(), false).map(Param::key)
                .collect(Collectors.joining(", "));
        return keys.isEmpty() ? "none" : keys;
    }
}
