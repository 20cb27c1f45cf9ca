package dev.strata.pipeline.eval.report;

import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.eval.Metrics;
import dev.strata.pipeline.eval.OptionScore;
import dev.strata.pipeline.eval.Stability;
import dev.strata.pipeline.eval.task.ChoiceTask;
import dev.strata.pipeline.eval.task.Measure;
import dev.strata.pipeline.eval.task.Task;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The evaluation of one or more models on the same tasks, the first model being the original the others are
 * compared with: every task's measures per model, the stability and retained percentage of each compressed model,
 * each multiple-choice task's chance level, where each task's text comes from and (when given) the layer scores of
 * a calibration run.
 *
 * @param chance task -> the accuracy of choosing an option at random (multiple-choice tasks)
 * @param sources task -> where its examples or text come from ("tinystories/valid.txt, second half")
 * @param layerScores metric -> value per layer, from a calibration run's summary.json (empty when none)
 */
public record EvalReport(List<Task> tasks, List<ModelResult> models, Map<String, Double> chance,
        Map<String, String> sources, Map<String, List<Double>> layerScores) {

    /**
     * What a model is, beside its scores.
     *
     * @param method the method that made it ("come", "original"), or "" when the report is not told
     */
    public record Profile(String method, int layers, long parameters) {
        public Profile {
            Objects.requireNonNull(method);
        }
    }

    /**
     * @param values task -> its measures
     * @param stability task -> stability against the original (multiple-choice tasks of compressed models)
     * @param outcomes accuracy task -> each example's outcome (1 right, 0 wrong) under its first measure
     */
    public record ModelResult(String model, Profile profile, Map<String, List<Metrics.Value>> values,
            Map<String, Double> stability, Map<String, double[]> outcomes) {
        /** The value of one measure of one task, or null. */
        public Metrics.Value value(String task, Measure measure) {
            return values.getOrDefault(task, List.of()).stream().filter(v -> v.measure() == measure).findFirst()
                    .orElse(null);
        }

        public long parameters() {
            return profile.parameters();
        }
    }

    /**
     * Computes the report from the log-likelihood rows.
     *
     * @param profiles model -> what it is
     * @param rows model -> task -> rows; the first model is the original
     * @param half the half of each task's data that was scored, for {@link #sources}
     */
    public static EvalReport build(List<Task> tasks, Map<String, Profile> profiles,
            Map<String, Map<String, List<OptionScore>>> rows, DataHalf half, Map<String, List<Double>> layerScores) {
        List<ModelResult> models = new ArrayList<>();
        String original = rows.keySet().iterator().next();
        for (Map.Entry<String, Map<String, List<OptionScore>>> m : rows.entrySet()) {
            Map<String, List<Metrics.Value>> values = new LinkedHashMap<>();
            Map<String, Double> stability = new LinkedHashMap<>();
            Map<String, double[]> outcomes = new LinkedHashMap<>();
            for (Task t : tasks) {
                List<OptionScore> r = m.getValue().get(t.name());
                values.put(t.name(), Metrics.compute(t, r));
                if (t.measures().get(0).higherIsBetter()) {
                    outcomes.put(t.name(), Metrics.outcomes(t.measures().get(0), Metrics.byExample(r)));
                }
                if (!m.getKey().equals(original) && t instanceof ChoiceTask && r.stream().anyMatch(o -> o.option() > 0)) {
                    stability.put(t.name(), Stability.compute(rows.get(original).get(t.name()), r));
                }
            }
            models.add(new ModelResult(m.getKey(), profiles.get(m.getKey()), values, stability, outcomes));
        }
        Map<String, Double> chance = new LinkedHashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        for (Task t : tasks) {
            if (t.measures().get(0) == Measure.ACC) {
                chance.put(t.name(), Metrics.byExample(rows.get(original).get(t.name())).stream()
                        .mapToDouble(options -> 1.0 / options.size()).average().orElse(Double.NaN));
            }
            sources.put(t.name(), source(t, half));
        }
        return new EvalReport(List.copyOf(tasks), models, Collections.unmodifiableMap(chance),
                Collections.unmodifiableMap(sources), Collections.unmodifiableMap(new LinkedHashMap<>(layerScores)));
    }

    /** Where a task's scored data comes from, in words. */
    static String source(Task task, DataHalf half) {
        return task.source() + switch (half) {
            case ALL -> "";
            case FIRST -> task instanceof ChoiceTask ? ", first half (even-numbered examples)" : ", first half";
            case SECOND -> task instanceof ChoiceTask ? ", second half (odd-numbered examples)" : ", second half";
        };
    }

    public ModelResult original() {
        return models.get(0);
    }

    /** The tasks whose first measure is an accuracy (higher is better). */
    public List<Task> accuracyTasks() {
        return tasks.stream().filter(t -> t.measures().get(0).higherIsBetter()).toList();
    }

    /** The tasks whose first measure is a perplexity (lower is better). */
    public List<Task> perplexityTasks() {
        return tasks.stream().filter(t -> !t.measures().get(0).higherIsBetter()).toList();
    }

    /** The chance level of a task's first measure, or NaN (not a multiple-choice accuracy). */
    public double chance(String task) {
        return chance.getOrDefault(task, Double.NaN);
    }

    /**
     * True unless the original's accuracy on the task is within one standard error of chance: a model that does
     * not know a task gives no base to retain a percentage of (0.13 of a 0.11 original is noise, not 120%).
     */
    public boolean originalAboveChance(Task task) {
        double level = chance(task.name());
        Metrics.Value base = original().value(task.name(), task.measures().get(0));
        if (Double.isNaN(level) || base == null) {
            return true;
        }
        double margin = Double.isNaN(base.stderr()) ? 0 : base.stderr();
        return base.value() > level + margin;
    }

    /**
     * A compressed model's value as a percentage of the original's (higher-is-better measures), or null: also when
     * the original is not above chance on the task.
     */
    public Double retained(ModelResult model, String task, Measure measure) {
        Metrics.Value v = model.value(task, measure);
        Metrics.Value base = original().value(task, measure);
        if (v == null || base == null || !measure.higherIsBetter() || base.value() == 0) {
            return null;
        }
        Task t = tasks.stream().filter(x -> x.name().equals(task)).findFirst().orElseThrow();
        if (measure == t.measures().get(0) && !originalAboveChance(t)) {
            return null;
        }
        return 100 * v.value() / base.value();
    }

    /** The mean over the accuracy tasks of each task's first measure (acc), or NaN without such tasks. */
    public double averageAccuracy(ModelResult model) {
        return accuracyTasks().stream().mapToDouble(t -> model.value(t.name(), t.measures().get(0)).value())
                .average().orElse(Double.NaN);
    }

    /** The standard error of {@link #averageAccuracy}: the tasks' errors combined as independent, over their count. */
    public double averageAccuracyStderr(ModelResult model) {
        List<Task> accuracy = accuracyTasks();
        double sum = accuracy.stream().mapToDouble(t -> {
            double se = model.value(t.name(), t.measures().get(0)).stderr();
            return se * se;
        }).sum();
        return accuracy.isEmpty() ? Double.NaN : Math.sqrt(sum) / accuracy.size();
    }

    /**
     * The standard error of averageAccuracy(a) - averageAccuracy(b), the two models paired example by example (they
     * scored the same examples, so what they both get right or wrong cancels): sqrt(the sum over tasks of the
     * squared standard error of the mean of the per-example differences) over the number of tasks. NaN where a task
     * has fewer than two examples.
     */
    public double differenceStderr(ModelResult a, ModelResult b) {
        List<Task> accuracy = accuracyTasks();
        double sum = 0;
        for (Task t : accuracy) {
            double[] x = a.outcomes().get(t.name());
            double[] y = b.outcomes().get(t.name());
            double[] d = new double[x.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = x[i] - y[i];
            }
            double se = Metrics.stderr(d);
            sum += se * se;
        }
        return accuracy.isEmpty() ? Double.NaN : Math.sqrt(sum) / accuracy.size();
    }

    /** The mean retained percentage over the accuracy tasks that have one, or NaN without any. */
    public double averageRetained(ModelResult model) {
        return accuracyTasks().stream().map(t -> retained(model, t.name(), t.measures().get(0)))
                .filter(Objects::nonNull).mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** The mean stability over the tasks that have one, or NaN without any (the original). */
    public double meanStability(ModelResult model) {
        return model.stability().values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }
}
