package dev.strata.pipeline.eval;

import dev.strata.pipeline.eval.task.Tasks;
import dev.strata.pipeline.settings.Param;
import dev.strata.pipeline.settings.Params;
import java.util.List;

/**
 * The settings of an evaluation, declared once for {@code strata eval} and a recipe's {@code evaluate} section.
 */
public final class EvalParams {
    public static final Param<List<String>> TASKS = Param.texts("evaluate.tasks", List.of("all"),
            "Tasks, or all: piqa, hellaswag, winogrande, arc_easy, arc_challenge, boolq, openbookqa, copa, siqa, "
                + "lambada, wikitext, tinystories.").flag("--tasks").label("LIST").check(Tasks::problem);
    public static final Param<Integer> LIMIT = Param.integer("evaluate.limit", null,
            "The first N examples of each task (windows of a text task); default: all.").flag("--limit")
            .check(Param.atLeast(1));
    public static final Param<String> DATA_DIR = Param.text("evaluate.data_dir",
            System.getProperty("strata.data", "../shared/data"),
            "Folder with the task data, laid out as ../shared/data: local, hdfs:// or s3a:// (read by the driver).")
            .flag("--data-dir").label("DIR");
    public static final Param<Integer> BATCH_TOKENS = Param.integer("evaluate.batch_tokens", 2048,
            "Tokens per forward pass.").flag("--batch-tokens").check(Param.atLeast(1));
    public static final Param<Integer> SHARD_EXAMPLES = Param.integer("evaluate.shard_examples", 128,
            "Examples of a task per Spark task.").flag("--shard-examples").check(Param.atLeast(1));
    public static final Param<DataHalf> HALF = Param.choice("evaluate.half", DataHalf.values(), DataHalf.ALL,
            "Which half of each task: all; first (even-numbered examples, the text before its middle line); second "
                + "(the others): a model fine-tuned on one half is measured on the other.").flag("--half");
    public static final Params PARAMS = Params.of(TASKS, LIMIT, HALF, DATA_DIR, BATCH_TOKENS, SHARD_EXAMPLES);

    private EvalParams() {
    }
}
