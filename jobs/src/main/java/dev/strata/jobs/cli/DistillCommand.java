package dev.strata.jobs.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.ContentVersion;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.ModelFiles;
import dev.strata.jobs.spark.RunDriver;
import dev.strata.jobs.spark.Sessions;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.Distillation;
import dev.strata.pipeline.compress.Plan;
import dev.strata.pipeline.compress.RunParams;
import dev.strata.pipeline.compress.StoredModel;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * strata distill: CoMe's hierarchical distillation of any compressed student (any method's plan) from its teacher.
 * Its options are the run's settings, the model being the teacher ({@link #PARAMS}), and the distillation's
 * ({@link Distillation#PARAMS}), added by {@link StrataCli}.
 */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = {"Hierarchical distillation of a compressed model (CoMe's, for any method's plan), as Spark jobs.",
            "Stage 1 trains every changed layer in its own task to reproduce the teacher layers it stands for "
                + "(hidden-state MSE); stage 2 trains the whole student on the teacher's logits (KL) plus hidden "
                + "states at the layer boundaries. Writes OUT/models/distill/distilled-stage1 and "
                + "OUT/models/distill/distilled; a rerun reuses finished stages."})
final class DistillCommand implements Callable<Integer> {
    /** The run's settings, the teacher as the model. */
    static final Params RUN = RunParams.PARAMS.replacing(RunParams.MODEL.flag("--teacher").label("DIR"));
    /** Those it offers: training scores nothing, so the scoring settings have no say. */
    static final Params OPTIONS = RUN.without(RunParams.BATCH, RunParams.PARTITIONS, RunParams.PPL_WINDOWS,
            RunParams.SCORES);
    private static final Logger LOG = LogManager.getLogger(DistillCommand.class);

    @Spec
    CommandSpec spec;

    @Option(names = "--student", required = true, paramLabel = "DIR", description = "The compressed model.")
    String student;

    @Option(names = "--plan", paramLabel = "FILE", description = "The student's plan.json (default: STUDENT/plan.json).")
    String plan;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run folder (created, or resumed).")
    String out;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Override
    public Integer call() {
        Settings run = ParamOptions.read(spec, RUN);
        Settings settings = ParamOptions.read(spec, Distillation.PARAMS);
        Distillation.Stages stages = Distillation.read(settings);
        Configuration conf = HadoopFiles.configuration();
        String teacher = run.get(RunParams.MODEL);
        String studentAddress = HadoopFiles.path(student).toString();
        Path planFile = plan != null ? HadoopFiles.path(plan) : new Path(HadoopFiles.path(student), Plan.FILE);
        Plan studentPlan = Plan.parse(HadoopFiles.readText(planFile, conf, " (--plan)"), HadoopFiles.display(planFile));
        check(studentPlan, ModelFolder.readConfig(ModelFiles.localMetadata(HadoopFiles.path(teacher), conf)),
                ModelFolder.readConfig(ModelFiles.localMetadata(HadoopFiles.path(student), conf)), teacher,
                plan != null ? plan : planFile.toString());
        ObjectNode identity = settings.toJson();
        identity.put("student", studentAddress);
        identity.put("plan", studentPlan.toJson());
        try (Sessions.Lazy spark = Sessions.lazy(master, "distill");
                RunDriver driver = RunDriver.open(run, out, spark)) {
            driver.folder().requireVersion("student", "the student " + student, ContentVersion.ofFolder(HadoopFiles.path(student), conf));
            List<StoredModel> made = Distillation.run(driver.runFor("distill", identity), "distilled",
                    new StoredModel("student", studentAddress, studentPlan, List.of()), stages);
            LOG.info("distill: model in {}", made.isEmpty() ? "(nothing to train)" : made.get(made.size() - 1).address());
        }
        return 0;
    }

    private void check(Plan p, LlamaConfig teacher, LlamaConfig studentConfig, String teacherName, String planName) {
        if (p.originalLayers() != teacher.numLayers()) {
            throw new StrataException("--plan " + planName + ": describes a teacher of " + p.originalLayers()
                    + " layers, but " + teacherName + " has " + teacher.numLayers());
        }
        if (p.layers().size() != studentConfig.numLayers()) {
            throw new StrataException("--plan " + planName + ": describes a student of " + p.layers().size()
                    + " layers, but " + student + " has " + studentConfig.numLayers());
        }
        if (!teacher.withNumLayers(studentConfig.numLayers()).toJson().equals(studentConfig.toJson())) {
            throw new StrataException("--student " + student + ": differs from the teacher in more than its number of "
                    + "layers (hidden size, heads, vocabulary ...)");
        }
    }
}
