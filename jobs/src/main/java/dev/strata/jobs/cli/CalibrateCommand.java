package dev.strata.jobs.cli;

import dev.strata.jobs.spark.CalibrateJob;
import dev.strata.jobs.spark.Sessions;
import dev.strata.pipeline.StrataException;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** strata calibrate: the distributed calibration job (layer, block and channel scores as Parquet). */
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Score every layer, block and channel of a model on calibration text, as a Spark job.",
            "Writes OUT/data/windows (token windows), OUT/scores/{layer,block,channel}_scores (Parquet) and "
                + "OUT/scores/summary.json; a rerun with the same inputs reuses what is finished."})
final class CalibrateCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(CalibrateCommand.class);

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face Llama folder (local, hdfs://, s3a://).")
    String model;

    @Option(names = "--data", required = true, paramLabel = "PATH",
            description = "Calibration text: a UTF-8 file, a directory or a glob (local, hdfs://, s3a://); each file is one text.")
    String data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder (created, or resumed).")
    String out;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (default: spark-submit's, else ${sys:spark.master:-local[*]}).")
    String master;

    @Option(names = "--seq-len", paramLabel = "N", description = "Tokens per window (default: the model's context).")
    Integer seqLen;

    @Option(names = "--samples", paramLabel = "K", description = "Windows chosen at random (default: all windows).")
    Integer samples;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1234", description = "Seed of --samples (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "8", description = "Windows per forward pass (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--partitions", paramLabel = "P", description = "Spark partitions of the scoring pass (default: Spark's parallelism).")
    Integer partitions;

    @Option(names = "--metric", paramLabel = "NAME", split = ",",
            description = "Extra metrics: ppl-drop (SLEB: perplexity without each layer, one Spark task per layer).")
    List<String> metrics = List.of();

    @Option(names = "--ppl-windows", paramLabel = "N", description = "Windows the ppl-drop pass evaluates on (default: all).")
    Integer pplWindows;

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
        CalibrateJob.Options options = new CalibrateJob.Options(model, data, out, seqLen, samples, seed, batch,
                partitions, pplDrop, pplWindows);
        try (Sessions.Lazy spark = Sessions.lazy(master, "calibrate")) {
            CalibrateJob.Result r = CalibrateJob.run(options, spark);
            LOG.info("calibrate: scores in {}", r.out());
            ScoresView.print(r.summary(), format);
        }
        return 0;
    }
}
