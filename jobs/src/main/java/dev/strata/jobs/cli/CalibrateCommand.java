package dev.strata.jobs.cli;

import dev.strata.jobs.spark.RunDriver;
import dev.strata.jobs.spark.Sessions;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.RunParams;
import dev.strata.pipeline.settings.Params;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * strata calibrate: the original model's layer, block and channel scores on calibration text, as a run of its own
 * (the run folder any compress command can then continue). Its options are the run's settings ({@link RunParams}),
 * added by {@link StrataCli}.
 */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Score every layer, block and channel of a model on calibration text, as a Spark job.",
            "Writes OUT/data/windows-K (token windows), OUT/scores/original/{layer,block,channel}_scores (Parquet) and "
                + "summary.json; a rerun with the same inputs reuses what is finished."})
final class CalibrateCommand implements Callable<Integer> {
    /** The run's settings it offers: it makes the scores another run would lend. */
    static final Params OPTIONS = RunParams.PARAMS.without(RunParams.SCORES);
    private static final Logger LOG = LogManager.getLogger(CalibrateCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder (created, or resumed).")
    String out;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (default: spark-submit's, else ${sys:spark.master:-local[*]}).")
    String master;

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
                throw new StrataException("--metric '" + m + "' is not known (expected ppl-drop; the other scores are "
                        + "always computed)");
            }
            pplDrop = true;
        }
        var settings = ParamOptions.read(spec, RunParams.PARAMS);
        try (Sessions.Lazy spark = Sessions.lazy(master, "calibrate");
                RunDriver driver = RunDriver.open(settings, out, spark)) {
            driver.originalScores(pplDrop);
            LOG.info("calibrate: scores in {}", driver.folder().root());
            ScoresView.print(driver.summary(), format);
        }
        return 0;
    }
}
