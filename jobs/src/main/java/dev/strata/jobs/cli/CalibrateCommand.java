package dev.strata.jobs.cli;

import dev.strata.jobs.spark.CalibrateJob;
import dev.strata.jobs.spark.Sessions;
import dev.strata.pipeline.StrataException;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** strata calibrate: the distributed calibration job (layer, block and channel scores as Parquet). */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Score every layer, block and channel of a model on calibration text, as a Spark job.",
            "Writes OUT/data/windows (token windows), OUT/scores/{layer,block,channel}_scores (Parquet) and "
                + "OUT/scores/summary.json; a rerun with the same inputs reuses what is finished."})
final class CalibrateCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(CalibrateCommand.class);

    @Mixin
    CalibrationOptions c = new CalibrationOptions();

    @Option(names = "--metric", paramLabel = "NAME", split = ",",
            description = "Extra metrics: ppl-drop (SLEB: perplexity without each layer, one Spark task per layer).")
    List<String> metrics = List.of();

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "table",
            description = "How to print the scores: table, csv or json (default: ${DEFAULT-VALUE}).")
    ScoresView.Format format;

    @Override
    public Integer call() {
        boolean pplDrop = false;
        for (String m : metrics) {
            if (!m.equals("ppl-drop")) {
                throw new StrataException("--metric '" + m + "' is not known (expected ppl-drop; the other scores are always computed)");
            }
            pplDrop = true;
        }
        CalibrateJob.Options options = new CalibrateJob.Options(c.model, c.data, c.out, c.seqLen, c.samples, c.seed,
                c.batch, c.partitions, pplDrop, c.pplWindows);
        try (Sessions.Lazy spark = Sessions.lazy(c.master, "calibrate")) {
            CalibrateJob.Result r = CalibrateJob.run(options, spark);
            LOG.info("calibrate: scores in {}", r.out());
            ScoresView.print(r.summary(), format);
        }
        return 0;
    }
}
