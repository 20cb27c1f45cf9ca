package dev.strata.pipeline.eval.task;

import dev.strata.pipeline.StrataException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The task registry: every benchmark by name, with its data file under the data folder. */
public final class Tasks {
    private static final List<Measure> ACC = List.of(Measure.ACC);
    private static final List<Measure> ACC_AND_NORM = List.of(Measure.ACC, Measure.ACC_NORM);
    private static final Map<String, Task> ALL = new LinkedHashMap<>();

    static {
        register(new PiqaTask("piqa", "piqa/valid.jsonl", "piqa/valid-labels.lst"));
        register(new HellaswagTask("hellaswag", "hellaswag/hellaswag_val_subset1000.jsonl"));
        register(new WinograndeTask("winogrande", "mc/winogrande.jsonl"));
        register(new QueryChoicesTask("arc_easy", "mc/arc_easy.jsonl", ACC_AND_NORM));
        register(new QueryChoicesTask("arc_challenge", "mc/arc_challenge.jsonl", ACC_AND_NORM));
        register(new QueryChoicesTask("boolq", "mc/boolq.jsonl", ACC));
        register(new QueryChoicesTask("openbookqa", "mc/openbook_qa.jsonl", ACC_AND_NORM));
        register(new QueryChoicesTask("copa", "mc/copa.jsonl", ACC));
        register(new QueryChoicesTask("siqa", "mc/siqa.jsonl", ACC));
        register(new LambadaTask("lambada", "mc/lambada_openai.jsonl"));
        register(new TextFileTask("wikitext", "wikitext-2/wikitext-2-raw-v1.test.joined.txt"));
        register(new TextFileTask("tinystories", "tinystories/valid.txt"));
    }

    private Tasks() {
    }

    private static void register(Task task) {
        ALL.put(task.name(), task);
    }

    /** Every registered task, in the report's order. */
    public static List<Task> all() {
        return List.copyOf(ALL.values());
    }

    /** The tasks of a comma-separated list ("all" for every task), in the order given. */
    public static List<Task> parse(String list) {
        List<String> names = java.util.Arrays.stream(list.split(",")).map(String::trim).toList();
        String problem = problem(names);
        if (problem != null) {
            throw new StrataException("--tasks " + problem);
        }
        return names.equals(List.of("all")) ? all() : names.stream().map(ALL::get).toList();
    }

    /** What is wrong with a list of task names (["all"] for every task), or null when nothing is. */
    public static String problem(List<String> names) {
        if (names.equals(List.of("all"))) {
            return null;
        }
        List<String> seen = new ArrayList<>();
        for (String name : names) {
            if (!ALL.containsKey(name)) {
                return "'" + name + "' is not a task (known: " + String.join(", ", ALL.keySet()) + ", or all)";
            }
            if (seen.contains(name)) {
                return "'" + name + "' is listed twice";
            }
            seen.add(name);
        }
        return names.isEmpty() ? "names no task" : null;
    }
}
