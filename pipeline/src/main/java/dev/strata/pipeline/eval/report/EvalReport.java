package dev.strata.pipeline.eval.report;

import dev.strata.pipeline.eval.Metrics;
import dev.strata.pipeline.eval.OptionScore;
import dev.strata.pipeline.eval.Stability;
import dev.strata.pipeline.eval.task.ChoiceTask;
import dev.strata.pipeline.eval.task.Measure;
import dev.strata.pipeline.eval.task.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The evaluation of one or more models on the same tasks, the first model being the original the others are
 * compared with: every task's measures per model, the stability and retained percentage of each compressed model,
 * and (when given) the layer scores of a calibration run.
 *
 * @param layerScores metric -> value per layer, from a calibration run's summary.json (empty when none)
 */
public record EvalReport(List<Task> tasks, List<ModelResult> models, Map<String, List<Double>> layerScores) {

    /**
     * @param parameters the model's parameter count
     * @param values task -> its measures
     * @param stability task -> stability against the original (multiple-choice tasks of compressed models)
     */
    public record ModelResult(String model, long parameters, Map<String, List<Metrics.Value>> values,
            Map<String, Double> stability) {
        /** The value of one measure of one task, or null. */
        public Metrics.Value value(String task, Measure measure) {
            return values.getOrDefault(task, List.of()).stream().filter(v -> v.measure() == measure).findFirst()
                    .orElse(null);
        }
    }

    /**
     * Computes the report from the log-likelihood rows.
     *
     * @param rows model -> task -> rows; the first model is the original
     */
    public static EvalReport build(List<Task> tasks, Map<String, Long> parameters,
            Map<String, Map<String, List<OptionScore>>> rows, Map<String, List<Double>> layerScores) {
        List<ModelResult> models = new ArrayList<>();
        String original = rows.keySet().iterator().next();
        for (Map.Entry<String, Map<String, List<OptionScore>>> m : rows.entrySet()) {
            Map<String, List<Metrics.Value>> values = new LinkedHashMap<>();
            Map<String, Double> stability = new LinkedHashMap<>();
            for (Task t : tasks) {
                List<OptionScore> r = m.getValue().get(t.name());
                values.put(t.name(), Metrics.compute(t, r));
                if (!m.getKey().equals(original) && t instanceof ChoiceTask && r.stream().anyMatch(o -> o.option() > 0)) {
                    stability.put(t.name(), Stability.compute(rows.get(original).get(t.name()), r));
                }
            }
            models.add(new ModelResult(m.getKey(), parameters.get(m.getKey()), values, stability));
        }
        return new EvalReport(List.copyOf(tasks), models, Map.copyOf(layerScores));
    }

    public ModelResult original() {
        return models.get(0);
    }

    /** A compressed model's value as a percentage of the original's (higher-is-better measures), or null. */
    public Double retained(ModelResult model, String task, Measure measure) {
        Metrics.Value v = model.value(task, measure);
        Metrics.Value base = original().value(task, measure);
        if (v == null || base == null || !measure.higherIsBetter() || base.value() == 0) {
            return null;
        }
        return 100 * v.value() / base.value();
    }

    /** The mean over the accuracy tasks of each task's first measure (acc), or NaN without such tasks. */
    public double averageAccuracy(ModelResult model) {
        return tasks.stream().filter(t -> t.measures().get(0).higherIsBetter())
                .mapToDouble(t -> model.value(t.name(), t.measures().get(0)).value()).average().orElse(Double.NaN);
    }
}
