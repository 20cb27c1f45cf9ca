package dev.strata.jobs.cli;

import dev.strata.jobs.spark.DistillJob;
import dev.strata.jobs.spark.Sessions;
import dev.strata.pipeline.train.TrainSettings;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** strata distill: CoMe's hierarchical distillation of a merged student from its teacher. */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = {"Hierarchical distillation of a merged model (CoMe), as Spark jobs.",
            "Stage 1 trains every merged layer in its own task to reproduce its group of teacher layers (hidden-state "
                + "MSE); stage 2 trains the whole student on the teacher's logits (KL) plus hidden states at the group "
                + "boundaries. Writes OUT/models/stage1 and OUT/models/final; a rerun reuses finished stages.",
            "--epochs, --lr and --final-lr are stage 1's; --train-batch, --weight-decay and --clip-norm apply to both."})
final class DistillCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(DistillCommand.class);

    @Option(names = "--teacher", required = true, paramLabel = "DIR", description = "The original model.")
    String teacher;

    @Option(names = "--student", required = true, paramLabel = "DIR", description = "The merged model.")
    String student;

    @Option(names = "--plan", required = true, paramLabel = "FILE", description = "merge_plan.json of the merge run.")
    String plan;

    @Option(names = "--data", required = true, paramLabel = "PATH", description = "Training text (file, directory or glob).")
    String data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder (created, or resumed).")
    String out;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Option(names = "--seq-len", paramLabel = "N", description = "Tokens per training window (default: the model's context).")
    Integer seqLen;

    @Option(names = "--samples", paramLabel = "K", description = "Training windows chosen at random (default: all).")
    Integer samples;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1234", description = "Seed of --samples (default: ${DEFAULT-VALUE}).")
    long seed;

    /** Stage 1's training; its weight decay, clipping and batch also apply to stage 2. */
    @Mixin
    TrainingOptions training = new TrainingOptions();

    @Option(names = "--stage2-epochs", paramLabel = "E", defaultValue = "1", description = "Stage-2 epochs; 0 skips stage 2 (default: ${DEFAULT-VALUE}).")
    int stage2Epochs;

    @Option(names = "--stage2-lr", paramLabel = "LR", defaultValue = "1e-4", description = "Stage-2 learning rate (default: ${DEFAULT-VALUE}).")
    double stage2Lr;

    @Option(names = "--stage2-final-lr", paramLabel = "LR", defaultValue = "1e-5", description = "Stage-2 final learning rate (default: ${DEFAULT-VALUE}).")
    double stage2FinalLr;

    @Option(names = "--kl-weight", paramLabel = "W", defaultValue = "1", description = "Stage-2 weight of the logit KL (default: ${DEFAULT-VALUE}).")
    double klWeight;

    @Option(names = "--hidden-weight", paramLabel = "W", defaultValue = "1", description = "Stage-2 weight of the boundary MSE (default: ${DEFAULT-VALUE}).")
    double hiddenWeight;

    @Override
    public Integer call() {
        TrainSettings layers = training.settings();
        TrainSettings model = stage2Epochs == 0 ? null : new TrainSettings(stage2Lr, stage2FinalLr,
                layers.weightDecay(), layers.clipNorm(), stage2Epochs, layers.batch());
        DistillJob.Options options = new DistillJob.Options(teacher, student, plan, data, out, seqLen, samples, seed,
                layers, model, klWeight, hiddenWeight);
        try (Sessions.Lazy spark = Sessions.lazy(master, "distill")) {
            DistillJob.Result r = DistillJob.run(options, spark);
            LOG.info("distill: model in {}", r.model());
        }
        return 0;
    }
}
