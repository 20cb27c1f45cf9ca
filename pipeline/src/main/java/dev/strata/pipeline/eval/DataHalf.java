package dev.strata.pipeline.eval;

import dev.strata.pipeline.eval.task.ChoiceTask.Example;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which of two disjoint halves of a task's data is used, so that text that trains a model (GPTailor's variants are
 * fine-tuned on the first half) never also measures it (the search and the report use the second): the even-numbered
 * or odd-numbered examples of a choice task, the text before or after its middle line break of a text task.
 */
public enum DataHalf {
    ALL, FIRST, SECOND;

    /** The name in settings ("first"). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return id();
    }

    /** This half of a task's examples, in file order: those at even positions (FIRST) or odd ones (SECOND). */
    public List<Example> of(List<Example> examples) {
        if (this == ALL) {
            return examples;
        }
        List<Example> out = new ArrayList<>();
        for (int i = this == FIRST ? 0 : 1; i < examples.size(); i += 2) {
            out.add(examples.get(i));
        }
        return out;
    }

    /** This half of a text, cut at the first line break at or after its middle (or the middle, without one). */
    public String of(String text) {
        if (this == ALL) {
            return text;
        }
        int middle = text.length() / 2;
        int cut = text.indexOf('\n', middle);
        cut = cut < 0 ? middle : cut + 1;
        return this == FIRST ? text.substring(0, cut) : text.substring(cut);
    }
}
