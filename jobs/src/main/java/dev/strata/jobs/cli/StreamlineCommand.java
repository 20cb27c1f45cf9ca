package dev.strata.jobs.cli;

import dev.strata.jobs.spark.Sessions;
import dev.strata.jobs.spark.StreamlineJob;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.Replacement;
import dev.strata.pipeline.train.ReplacementLoss;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * strata prune streamline: LLM-Streamline's block pruning with a trained replacement. It is a command of its own
 * (named "prune streamline", hidden from the list): as a picocli subcommand of prune it would have to be given
 * prune's required options too.
 */
@Command(name = StreamlineCommand.NAME, hidden = true, mixinStandardHelpOptions = true,
        description = {"LLM-Streamline: remove the N consecutive layers whose input and output hidden states are most "
            + "alike (highest block cosine on the calibration text) and train one replacement in their place: a "
            + "decoder layer initialised from the block's first layer, or a feed-forward network (exported as a "
            + "decoder layer whose attention weights are zero, so it loads as a standard Llama).",
            "Writes OUT/scores/step-000, OUT/models/pruned (untrained) and OUT/models/final (trained), each with "
                + "streamline_plan.json; a rerun reuses finished stages."})
final class StreamlineCommand implements Callable<Integer> {
    static final String NAME = "prune streamline";
    private static final Logger LOG = LogManager.getLogger(StreamlineCommand.class);

    @Mixin
    CalibrationOptions c = new CalibrationOptions();

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--layers", paramLabel = "N", description = "Length of the removed block.")
        Integer layers;

        @Option(names = "--target-params", paramLabel = "R",
                description = "The shortest block whose replacement leaves at most R (0 < R < 1) of the parameters.")
        Double params;
    }

    @Option(names = "--replacement", paramLabel = "KIND", defaultValue = "layer",
            description = "What replaces the block: layer, ffn or none (default: ${DEFAULT-VALUE}).")
    String replacement;

    @Option(names = "--loss", paramLabel = "NAME", defaultValue = "mse",
            description = "Training loss: mse (the replacement's output vs the teacher's hidden state after the block, "
                + "given the one before) or lm (next-token loss of the whole model, only the replacement trained) "
                + "(default: ${DEFAULT-VALUE}).")
    String loss;

    @Option(names = "--scores", paramLabel = "DIR",
            description = "Scores of this model to choose the block from: a calibration, merge, prune or streamline "
                + "run, or a folder with block_scores (default: computed in OUT/scores/step-000).")
    String scores;

    @Mixin
    TrainingOptions training = new TrainingOptions();

    @Override
    public Integer call() {
        if (c.pplWindows != null) {
            throw new StrataException("--ppl-windows does not apply to prune streamline (it scores by block cosine)");
        }
        StreamlineJob.Options options = new StreamlineJob.Options(c.model, c.data, c.out, c.seqLen, c.samples, c.seed,
                c.batch, c.partitions, scores, target.layers, target.params, Replacement.parse(replacement, "--replacement"),
                ReplacementLoss.parse(loss, "--loss"), training.settings());
        try (Sessions.Lazy spark = Sessions.lazy(c.master, "prune-streamline")) {
            StreamlineJob.Result r = StreamlineJob.run(options, spark);
            LOG.info("prune streamline: layers {}..{} replaced by {}; model in {}", r.block().start(),
                    r.block().end() - 1, replacement, r.model());
        }
        return 0;
    }
}
