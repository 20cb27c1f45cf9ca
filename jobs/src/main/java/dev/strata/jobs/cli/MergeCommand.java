package dev.strata.jobs.cli;

import dev.strata.jobs.spark.MergeJob;
import dev.strata.jobs.spark.Sessions;
import dev.strata.pipeline.compress.PairMetric;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** strata merge: layer merging methods. */
@Command(name = "merge", mixinStandardHelpOptions = true, description = "Merge adjacent layers of a model.",
        subcommands = MergeCommand.Come.class)
final class MergeCommand {

    @Command(name = "come", mixinStandardHelpOptions = true,
            description = {"CoMe: progressive concatenation merging of adjacent layers, rescoring the model with the "
                + "distributed calibration job before every step.",
                "Writes OUT/scores/step-NNN (scores of the model before step NNN+1), OUT/models/step-NNN (the model "
                + "after NNN merges, with its merge_plan.json) and OUT/merge_plan.json; a rerun resumes after the last "
                + "finished step."})
    static final class Come implements Callable<Integer> {
        private static final Logger LOG = LogManager.getLogger(Come.class);

        @Mixin
        CalibrationOptions c = new CalibrationOptions();

        @ArgGroup(exclusive = true, multiplicity = "1")
        Target target;

        static final class Target {
            @Option(names = "--target-layers", paramLabel = "K", description = "Merge until the model has K layers.")
            Integer layers;

            @Option(names = "--target-params", paramLabel = "R",
                    description = "Merge until the model keeps at most R (0 < R < 1) of its parameters.")
            Double params;
        }

        @Option(names = "--pair-metric", paramLabel = "NAME", defaultValue = "angular",
                description = "How to choose the pair to merge (lowest wins): angular (last-token angular distance "
                    + "across the pair), bi (sum of block influence), ppl-drop (sum of PPL-drop). Default: ${DEFAULT-VALUE}.")
        String pairMetric;

        @Option(names = "--no-remerge", description = "Never merge a layer that is itself a merge result.")
        boolean noRemerge;

        @Override
        public Integer call() {
            MergeJob.Options options = new MergeJob.Options(c.model, c.data, c.out, c.seqLen, c.samples, c.seed,
                    c.batch, c.partitions, target.layers, target.params, PairMetric.parse(pairMetric, "--pair-metric"),
                    noRemerge, c.pplWindows);
            try (Sessions.Lazy spark = Sessions.lazy(c.master, "merge come")) {
                MergeJob.Result r = MergeJob.run(options, spark);
                LOG.info("merge come: {} layers in {} (plan: {}/merge_plan.json)", r.plan().layers().size(), r.model(),
                        r.out());
            }
            return 0;
        }
    }
}
