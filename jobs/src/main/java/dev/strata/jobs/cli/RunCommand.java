package dev.strata.jobs.cli;

import dev.strata.jobs.io.RecipeFile;
import dev.strata.jobs.spark.RecipeRunner;
import dev.strata.jobs.spark.Sessions;
import dev.strata.pipeline.recipe.Recipe;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** strata run: a whole compression recipe, stage after stage, each skipped when already finished. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run a compression recipe (YAML, see conf/recipes/): every method it lists, in one run folder "
            + "-> evaluate the original and every model made -> export the first method's smallest result and a "
            + "report.",
            "Every stage is skipped when its output is already there, so an interrupted run continues where it stopped."})
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LogManager.getLogger(RunCommand.class);
    private static final Logger OUT = LogManager.getLogger("strata.out");

    @Parameters(index = "0", paramLabel = "RECIPE", description = "The recipe file (YAML): a local path, hdfs:// or s3a://.")
    String recipe;

    @Option(names = "--out", paramLabel = "DIR", description = "Run folder (default: the recipe's 'out', else runs/NAME).")
    String out;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: spark-submit's, else local[*]).")
    String master;

    @Option(names = "--until", paramLabel = "STAGE",
            description = "Stop after this stage: variants, a method's name, methods (the last one), eval, export or "
                + "report (default: report, the whole recipe). A later run resumes from there: one stage per "
                + "scheduler task.")
    String until;

    @Option(names = "--plan", description = "Check the recipe (model headers, data, every method's settings, the "
            + "evaluation's tasks) and print its stages, without starting Spark or writing anything.")
    boolean plan;

    @Override
    public Integer call() {
        Recipe r = RecipeFile.read(recipe);
        if (plan) {
            String last = RecipeRunner.lastStage(r, until);
            List<String> stages = RecipeRunner.plan(r);
            for (int i = 0; i < stages.size(); i++) {
                OUT.info("{}. {}", i + 1, stages.get(i));
            }
            OUT.info("a run stops after: {}", last);
            return 0;
        }
        try (Sessions.Lazy spark = Sessions.lazy(master, "run " + r.name())) {
            RecipeRunner.Result result = RecipeRunner.run(r, out, until, spark);
            if (result.model() != null) {
                System.out.print(result.markdown());
                LOG.info("run: model in {}, report in {}/report.html", result.model(), result.out());
            }
        }
        return 0;
    }
}
