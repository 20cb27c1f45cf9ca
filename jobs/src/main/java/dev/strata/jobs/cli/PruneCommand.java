package dev.strata.jobs.cli;

import dev.strata.jobs.spark.PruneJob;
import dev.strata.jobs.spark.Sessions;
import dev.strata.pipeline.compress.LayerRemoval;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** strata prune: one-shot removal of the lowest-scoring layers (the baselines CoMe is compared with). */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Remove whole layers in one shot by a calibration score: bi (ShortGPT, lowest block influence) "
            + "or ppl-drop (lowest perplexity increase).",
            "Writes OUT/scores/step-000 and OUT/models/final (with prune_plan.json); a rerun reuses finished stages.",
            "LLM-Streamline (remove a block, train a replacement): strata prune streamline --help."})
final class PruneCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(PruneCommand.class);

    @Mixin
    CalibrationOptions c = new CalibrationOptions();

    @Option(names = "--method", paramLabel = "NAME", defaultValue = "bi",
            description = "Which score chooses the layers: bi or ppl-drop (default: ${DEFAULT-VALUE}).")
    String method;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--layers", paramLabel = "N", description = "Remove N layers.")
        Integer layers;

        @Option(names = "--target-params", paramLabel = "R",
                description = "Remove the fewest layers that leave at most R (0 < R < 1) of the parameters.")
        Double params;
    }

    @Override
    public Integer call() {
        PruneJob.Options options = new PruneJob.Options(c.model, c.data, c.out, c.seqLen, c.samples, c.seed, c.batch,
                c.partitions, LayerRemoval.parse(method, "--method"), target.layers, target.params, c.pplWindows);
        try (Sessions.Lazy spark = Sessions.lazy(c.master, "prune")) {
            PruneJob.Result r = PruneJob.run(options, spark);
            LOG.info("prune: removed layer(s) {}; model in {}", r.removed(), r.model());
        }
        return 0;
    }
}
