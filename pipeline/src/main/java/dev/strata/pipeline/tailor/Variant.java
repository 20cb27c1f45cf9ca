package dev.strata.pipeline.tailor;

import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.eval.task.ChoiceTask;
import dev.strata.pipeline.eval.task.ChoiceTask.Example;
import dev.strata.pipeline.eval.task.ChoiceTask.Option;
import dev.strata.pipeline.eval.task.Task;
import dev.strata.pipeline.eval.task.Tasks;
import dev.strata.pipeline.settings.Param;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.train.TrainingTask;
import dev.strata.pipeline.util.TextFiles;
import java.nio.file.Path;
import java.util.List;

/**
 * A fine-tuned variant a recipe makes for GPTailor: the base fine-tuned ({@link Finetune}) on the first half of its
 * own text, its gain measured on the second half. The text is a file, or question/answer text built from the
 * examples of choice tasks ("Question: ... Answer: " and the gold answer), so that the search, which measures the
 * second half of those tasks, never scores an example a variant saw.
 */
public record Variant(String name, Settings settings) {
    public static final Param<String> DATA = Param.text("data", null,
            "A UTF-8 text file: the variant is fine-tuned on its first half, measured on the second.").label("FILE");
    public static final Param<List<String>> TASKS = Param.texts("tasks", null,
            "Choice tasks whose examples, as question/answer text, the variant is fine-tuned on (even-numbered "
                + "examples) and measured on (odd-numbered).").check(Tasks::problem);
    public static final Params PARAMS = Params.of(DATA, TASKS).and(Finetune.PARAMS);

    /** Checks that exactly one source of text is given. */
    public Variant {
        if ((settings.get(DATA) == null) == (settings.get(TASKS) == null)) {
            throw settings.invalid(DATA, "or " + settings.name(TASKS) + ": give exactly one of them");
        }
    }

    /** The text of one half of the variant's source ({@code dataDir} holds the tasks' data). */
    public String text(DataHalf half, Path dataDir) {
        return text(half, dataDir, file -> TextFiles.read(Path.of(file), ""));
    }

    /** As {@link #text(DataHalf, Path)}, with the 'data' file read by {@code files} (a file on hdfs:// or s3a://). */
    public String text(DataHalf half, Path dataDir, java.util.function.UnaryOperator<String> files) {
        String file = settings.get(DATA);
        if (file != null) {
            return half.of(files.apply(file));
        }
        StringBuilder text = new StringBuilder();
        for (Task t : Tasks.parse(String.join(",", settings.get(TASKS)))) {
            if (!(t instanceof ChoiceTask choice)) {
                throw settings.invalid(TASKS, "'" + t.name() + "' is not a choice task (its examples have no answers)");
            }
            for (Example e : half.of(choice.read(dataDir))) {
                text.append(questionAnswer(e.options().get(e.gold()))).append("\n\n");
            }
        }
        return text.toString();
    }

    /** What the source is, for reports ("first half of X", "questions of copa, piqa"). */
    public String describe() {
        String file = settings.get(DATA);
        return file != null ? "the first half of " + file
                : "question/answer text of the even-numbered examples of " + String.join(", ", settings.get(TASKS));
    }

    /** The fine-tune that makes the variant. */
    public TrainingTask task() {
        return Finetune.task("finetune " + name, settings);
    }

    /** "Question: CONTEXT\nAnswer: GOLD", keeping a context's own Question/Answer framing. */
    static String questionAnswer(Option gold) {
        String question = gold.context().strip();
        if (!question.contains("Question:")) {
            question = "Question: " + question;
        }
        if (!question.endsWith("Answer:")) {
            question = question + "\nAnswer:";
        }
        return question + " " + gold.continuation().strip();
    }
}
