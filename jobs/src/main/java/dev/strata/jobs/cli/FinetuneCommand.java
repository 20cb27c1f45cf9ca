package dev.strata.jobs.cli;

import dev.strata.jobs.spark.RunDriver;
import dev.strata.jobs.spark.Sessions;
import dev.strata.pipeline.compress.CompressionRun;
import dev.strata.pipeline.compress.RunParams;
import dev.strata.pipeline.compress.StoredModel;
import dev.strata.pipeline.compress.TrainingRecord;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.tailor.Finetune;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * strata finetune: a full fine-tune of every decoder layer of a model on a text (GPTailor's variants), as a Spark task.
 * Its options are the run's settings ({@link #OPTIONS}: the text is the training text) and the fine-tune's
 * ({@link Finetune#PARAMS}), added by {@link StrataCli}.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = {"Full fine-tune of every decoder layer of a model on a text (next-token loss, AdamW), as a "
                + "Spark task.",
            "The text is tokenized into windows (OUT/data), streamed from Parquet every epoch; the embeddings and the "
                + "final norm stay the model's. Writes OUT/models/finetune/tuned (a Hugging Face folder); a rerun "
                + "reuses the finished stages."})
final class FinetuneCommand implements Callable<Integer> {
    /** The run's settings, for a model trained on a text. */
    static final Params RUN = RunParams.PARAMS.replacing(
            RunParams.MODEL.help("The Hugging Face Llama folder to fine-tune (local, hdfs://, s3a://)."),
            RunParams.DATA.help("Training text: a UTF-8 file, a directory or a glob (local, hdfs://, s3a://); each "
                    + "file is one text."));
    /** Those it offers: scoring has no say. */
    static final Params OPTIONS = RUN.without(RunParams.BATCH, RunParams.PARTITIONS, RunParams.PPL_WINDOWS,
            RunParams.SCORES);
    private static final Logger LOG = LogManager.getLogger(FinetuneCommand.class);
    private static final Logger OUT = LogManager.getLogger("strata.out");

    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder (created, or resumed).")
    String out;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Override
    public Integer call() {
        Settings run = ParamOptions.read(spec, RUN);
        Settings settings = ParamOptions.read(spec, Finetune.PARAMS);
        var task = Finetune.task("finetune", settings);
        try (Sessions.Lazy spark = Sessions.lazy(master, "finetune");
                RunDriver driver = RunDriver.open(run, out, spark)) {
            CompressionRun tuning = driver.runFor("finetune", settings.toJson());
            StoredModel tuned = tuning.train("tuned", tuning.original(), List.of(task), null);
            for (TrainingRecord t : tuned.training()) {
                OUT.info(String.format(Locale.ROOT, "%s  loss %.5f -> %.5f over %d steps (last epoch mean %.5f)  %s",
                        t.task(), t.losses().first(), t.losses().last(), t.losses().steps(), t.losses().lastEpochMean(),
                        tuned.address()));
            }
            LOG.info("finetune: model in {}", tuned.address());
        }
        return 0;
    }
}
