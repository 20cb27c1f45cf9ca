package dev.strata.jobs.cli;

import dev.strata.jobs.spark.EvalJob;
import dev.strata.jobs.spark.Sessions;
import dev.strata.pipeline.eval.EvalParams;
import dev.strata.pipeline.settings.Settings;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * strata eval: benchmark evaluation of one or more models, fanned out as Spark tasks. Its task, limit, data and
 * batching options are the settings of a recipe's evaluate section ({@link EvalParams}), added by {@link StrataCli}.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate models on multiple-choice and perplexity tasks as a Spark job (lm-evaluation-harness "
                + "conventions); the first --model is the original the others are compared with.",
            "Writes OUT/eval/loglik (per-option log-likelihoods, Parquet) and OUT/eval/report.{json,md,html}."})
final class EvalCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(EvalCommand.class);
    private static final Logger OUT = LogManager.getLogger("strata.out");

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face Llama folder (local, hdfs://, s3a://); repeat for several models, the original first.")
    List<String> models;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder (created, or resumed).")
    String out;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Option(names = "--scores", paramLabel = "RUN",
            description = "A run whose original layer scores the HTML report charts.")
    String scores;

    @Override
    public Integer call() {
        Settings e = ParamOptions.read(spec, EvalParams.PARAMS);
        EvalJob.Options options = EvalJob.Options.of(models, null, null, e, out, scores);
        try (Sessions.Lazy spark = Sessions.lazy(master, "eval")) {
            EvalJob.Result r = EvalJob.run(options, spark);
            LOG.info("eval: report in {}/eval/report.html", r.out());
            OUT.info(r.markdown());
        }
        return 0;
    }
}
