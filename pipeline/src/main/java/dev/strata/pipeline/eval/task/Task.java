package dev.strata.pipeline.eval.task;

import java.util.List;

/** A benchmark, registered by name in {@link Tasks}: a {@link ChoiceTask} or a {@link TextTask}. */
public sealed interface Task permits ChoiceTask, TextTask {
    /** The name on the command line and in reports, e.g. "arc_easy". */
    String name();

    /** What the report shows for this task, in order. */
    List<Measure> measures();

    /** The data file(s), relative to the data folder, for messages and documentation. */
    String source();
}
