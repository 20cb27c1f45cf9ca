package dev.strata.pipeline.eval.task;

import java.nio.file.Path;
import java.util.List;

/** A task scored by the log-likelihood of continuations: multiple choice, or one continuation (LAMBADA). */
public non-sealed interface ChoiceTask extends Task {
    /**
     * One option: the continuation scored after the context.
     *
     * @param chars the option's length in characters (lm-eval's acc_norm divisor: the choice without the space
     *     before it)
     */
    record Option(String context, String continuation, int chars) implements java.io.Serializable {
    }

    /** One example; {@code gold} indexes {@code options}. */
    record Example(int index, List<Option> options, int gold) implements java.io.Serializable {
        public Example {
            options = List.copyOf(options);
        }
    }

    /** Every example, in file order; a malformed line is an error naming the file and line. */
    List<Example> read(Path dataDir);
}
