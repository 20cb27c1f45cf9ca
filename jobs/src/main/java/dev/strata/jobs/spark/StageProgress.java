package dev.strata.jobs.spark;

import dev.strata.pipeline.util.Progress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Progress lines for every Spark stage of a command (stage, tasks done of all, rate, ETA), from Spark's own events:
 * what the console progress bar would say, in the log. Only stages that run past a few seconds log, so that the many
 * quick ones of a small run add no lines.
 */
public final class StageProgress extends SparkListener {
    private final Map<Integer, Progress> stages = new ConcurrentHashMap<>();

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted submitted) {
        var info = submitted.stageInfo();
        stages.put(info.stageId(), Progress.ofLongOnly("spark stage " + info.stageId() + " (" + shortName(info.name())
                + ")", info.numTasks(), "tasks"));
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
        Progress p = stages.get(end.stageId());
        if (p != null && end.taskInfo().successful()) {
            p.advance(1, 0);
        }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted completed) {
        stages.remove(completed.stageInfo().stageId());
    }

    /** "collect at Scoring.java:87" stays; Spark's longer call-site names are cut to their first line. */
    static String shortName(String name) {
        int newline = name.indexOf('\n');
        return newline < 0 ? name : name.substring(0, newline);
    }
}
