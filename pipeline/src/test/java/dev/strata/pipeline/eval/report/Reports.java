package dev.strata.pipeline.eval.report;

import dev.strata.pipeline.eval.OptionScore;
import dev.strata.pipeline.eval.task.Task;
import dev.strata.pipeline.eval.task.Tasks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A report over hand-made rows: an original and a compressed model on copa, lambada and wikitext. */
final class Reports {
    static final List<Task> TASKS = Tasks.parse("copa,lambada,wikitext");

    private Reports() {
    }

    /** copa: the original gets 3 of 4 right, the compressed 2 of 4; lambada 1 of 2 and 0 of 2; wikitext. */
    static EvalReport sample(Map<String, List<Double>> layerScores) {
        Map<String, Map<String, List<OptionScore>>> rows = new LinkedHashMap<>();
        rows.put("models/original", rows(new boolean[] {true, true, true, false}, new boolean[] {true, false}, -100));
        rows.put("models/compressed", rows(new boolean[] {true, false, true, false}, new boolean[] {false, false}, -120));
        return EvalReport.build(TASKS, Map.of("models/original", 260_000L, "models/compressed", 210_000L), rows,
                layerScores);
    }

    private static Map<String, List<OptionScore>> rows(boolean[] copaRight, boolean[] lambadaGreedy, double textLoglik) {
        Map<String, List<OptionScore>> byTask = new LinkedHashMap<>();
        List<OptionScore> copa = new ArrayList<>();
        for (int e = 0; e < copaRight.length; e++) {
            copa.add(new OptionScore("copa", e, 0, copaRight[e] ? -1 : -3, 2, 5, true, false));
            copa.add(new OptionScore("copa", e, 1, -2 - e * 0.1, 2, 5, false, false));
        }
        byTask.put("copa", copa);
        List<OptionScore> lambada = new ArrayList<>();
        for (int e = 0; e < lambadaGreedy.length; e++) {
            lambada.add(new OptionScore("lambada", e, 0, -2, 1, 4, true, lambadaGreedy[e]));
        }
        byTask.put("lambada", lambada);
        byTask.put("wikitext", List.of(new OptionScore("wikitext", 0, 0, textLoglik, 50, 0, true, false)));
        return byTask;
    }
}
