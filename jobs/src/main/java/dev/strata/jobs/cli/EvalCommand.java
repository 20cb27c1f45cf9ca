package dev.strata.jobs.cli;

import dev.strata.jobs.spark.EvalJob;
import dev.strata.jobs.spark.Sessions;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** strata eval: benchmark evaluation of one or more models, fanned out as Spark tasks. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Evaluate models on multiple-choice and perplexity tasks as a Spark job (lm-evaluation-harness "
                + "conventions); the first --model is the original the others are compared with.",
            "Writes OUT/eval/loglik (per-option log-likelihoods, Parquet) and OUT/eval/report.{json,md,html}."})
final class EvalCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(EvalCommand.class);
    private static final Logger OUT = LogManager.getLogger("strata.out");

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Hugging Face Llama folder (local, hdfs://, s3a://); repeat for several models, the original first.")
    List<String> models;

    @Option(names = "--tasks", paramLabel = "LIST", defaultValue = "all",
            description = "Comma-separated tasks, or all (default): piqa, hellaswag, winogrande, arc_easy, arc_challenge, "
                    + "boolq, openbookqa, copa, siqa, lambada, wikitext, tinystories.")
    String tasks;

    @Option(names = "--limit", paramLabel = "N", description = "The first N examples of each task (windows of text tasks).")
    Integer limit;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${sys:strata.data:-../shared/data}",
            description = "Local folder with the task data, laid out as ../shared/data (default: ${DEFAULT-VALUE}).")
    String dataDir;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder (created, or resumed).")
    String out;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Option(names = "--batch-tokens", paramLabel = "N", defaultValue = "2048",
            description = "Tokens per forward pass (default: ${DEFAULT-VALUE}).")
    int batchTokens;

    @Option(names = "--shard-examples", paramLabel = "N", defaultValue = "128",
            description = "Examples per Spark task (default: ${DEFAULT-VALUE}).")
    int shardExamples;

    @Option(names = "--scores", paramLabel = "RUN",
            description = "A calibration run whose layer scores the HTML report charts.")
    String scores;

    @Override
    public Integer call() {
        EvalJob.Options options = new EvalJob.Options(models, null, tasks, limit, dataDir, out, batchTokens, shardExamples, scores);
        try (Sessions.Lazy spark = Sessions.lazy(master, "eval")) {
            EvalJob.Result r = EvalJob.run(options, spark);
            LOG.info("eval: report in {}/eval/report.html", r.out());
            OUT.info(r.markdown());
        }
        return 0;
    }
}
