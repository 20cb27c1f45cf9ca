package dev.strata.pipeline.eval.report;

import dev.strata.pipeline.eval.Metrics;
import dev.strata.pipeline.eval.report.EvalReport.ModelResult;
import dev.strata.pipeline.eval.task.Task;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The report's first screen, which answers "which model do I ship": one row per model, largest first (its verdict,
 * method, layers, parameters and their share of the original's, perplexity per text, average accuracy and share
 * retained, stability), and quality-versus-size charts with a series per method and kind of model.
 */
public final class Overview {
    /** The verdict of the best model of its size. */
    public static final String BEST = "best";
    /** The verdict of a model whose average accuracy is within a standard error of the best of its size. */
    public static final String TIE = "tie";

    private Overview() {
    }

    /** The models, largest first (the original first among equals, then in the report's order). */
    public static List<ModelResult> bySize(EvalReport report) {
        List<ModelResult> sorted = new ArrayList<>(report.models());
        sorted.sort(Comparator.comparingLong(ModelResult::parameters).reversed()
                .thenComparing(m -> m != report.original()));
        return sorted;
    }

    /**
     * model -> {@link #BEST} or {@link #TIE}, among the compressed models of each layer count with at least two.
     * With accuracy tasks, a model whose average accuracy is below the highest by no more than the standard error
     * of the difference (paired by example) is not shown to be worse at one standard error: a tie. The best of the
     * tied models is the one with the lowest perplexity on the first text task (the highest accuracy without one).
     * Without accuracy tasks, the lowest perplexity.
     */
    public static Map<String, String> verdicts(EvalReport report) {
        Map<Integer, List<ModelResult>> byLayers = new LinkedHashMap<>();
        for (ModelResult m : report.models().subList(1, report.models().size())) {
            byLayers.computeIfAbsent(m.profile().layers(), k -> new ArrayList<>()).add(m);
        }
        boolean accuracy = !report.accuracyTasks().isEmpty();
        boolean text = !report.perplexityTasks().isEmpty();
        if (!accuracy && !text) {
            return Map.of();
        }
        Comparator<ModelResult> byPerplexity =
                text ? Comparator.comparingDouble(m -> perplexity(m, report.perplexityTasks().get(0))) : null;
        Map<String, String> verdicts = new LinkedHashMap<>();
        for (List<ModelResult> group : byLayers.values()) {
            if (group.size() < 2) {
                continue;
            }
            if (!accuracy) {
                verdicts.put(group.stream().min(byPerplexity).orElseThrow().model(), BEST);
                continue;
            }
            ModelResult top = group.stream().max(Comparator.comparingDouble(report::averageAccuracy)).orElseThrow();
            List<ModelResult> tied = group.stream().filter(m -> m == top || report.averageAccuracy(top)
                    - report.averageAccuracy(m) <= zeroIfNaN(report.differenceStderr(top, m))).toList();
            ModelResult best = text ? tied.stream().min(byPerplexity).orElseThrow() : top;
            tied.forEach(m -> verdicts.put(m.model(), m == best ? BEST : TIE));
        }
        return verdicts;
    }

    /** A standard error that cannot be computed (one example) allows no difference. */
    private static double zeroIfNaN(double se) {
        return Double.isNaN(se) ? 0 : se;
    }

    /** The first screen's table. */
    public static Table table(EvalReport report) {
        boolean methods = report.models().stream().anyMatch(m -> !m.profile().method().isEmpty());
        boolean accuracy = !report.accuracyTasks().isEmpty();
        List<String> header = new ArrayList<>(List.of("Model", "Verdict"));
        if (methods) {
            header.add("Method");
        }
        header.addAll(List.of("Layers", "Parameters (size)"));
        report.perplexityTasks().forEach(t -> header.add("PPL " + t.name()));
        if (accuracy) {
            header.addAll(List.of("Avg accuracy", "Retained"));
        }
        boolean stability = report.models().stream().anyMatch(m -> !m.stability().isEmpty());
        if (stability) {
            header.add("Stability");
        }
        Table table = new Table(header.toArray(String[]::new));
        Map<String, String> verdicts = verdicts(report);
        long originalParameters = report.original().parameters();
        for (ModelResult m : bySize(report)) {
            List<String> row = new ArrayList<>(List.of(m.model(), m == report.original() ? "original"
                    : verdictText(verdicts.get(m.model()), m.profile().layers())));
            if (methods) {
                row.add(m.profile().method());
            }
            row.add(Integer.toString(m.profile().layers()));
            row.add(String.format(Locale.ROOT, "%,d (%s)", m.parameters(),
                    percent(100.0 * m.parameters() / originalParameters)));
            report.perplexityTasks().forEach(t -> row.add(number(perplexity(m, t), "%.3f")));
            if (accuracy) {
                double se = report.averageAccuracyStderr(m);
                row.add(number(report.averageAccuracy(m), "%.4f")
                        + (Double.isFinite(se) ? String.format(Locale.ROOT, " ± %.4f", se) : ""));
                row.add(percentOrDash(m == report.original() ? originalRetained(report) : report.averageRetained(m)));
            }
            if (stability) {
                row.add(number(report.meanStability(m), "%.3f"));
            }
            table.row(row);
        }
        return table;
    }

    private static String verdictText(String verdict, int layers) {
        if (verdict == null) {
            return "";
        }
        return verdict.equals(BEST) ? "★ best " + layers + "L" : "≈ tie";
    }

    /** How to read the table: what each column means and where each text comes from. */
    public static String legend(EvalReport report) {
        StringBuilder s = new StringBuilder("Largest first. Size: the share of the original's parameters.");
        if (!report.accuracyTasks().isEmpty()) {
            s.append(" Avg accuracy: the mean of ").append(names(report.accuracyTasks()))
                    .append(" (± its standard error). Retained: the mean of each task's accuracy as a share of the"
                            + " original's, over the tasks the original does better than chance on.");
            List<String> atChance = report.accuracyTasks().stream().filter(t -> !report.originalAboveChance(t))
                    .map(Task::name).toList();
            if (!atChance.isEmpty()) {
                s.append(" Left out of Retained, the original being within a standard error of chance: ")
                        .append(String.join(", ", atChance)).append('.');
            }
            s.append(" Verdict, among the compressed models of one layer count (their parameters may differ: an FFN"
                    + " replacement counts as a layer): ≈ an average accuracy below the highest by no more than the"
                    + " standard error of the difference (paired by example), so not shown to be worse; ★ the best of"
                    + " those");
            s.append(report.perplexityTasks().isEmpty() ? " (the highest accuracy)."
                    : ", by perplexity on " + report.perplexityTasks().get(0).name() + ".");
        } else if (!report.perplexityTasks().isEmpty()) {
            s.append(" Verdict: ★ the lowest perplexity on ").append(report.perplexityTasks().get(0).name())
                    .append(" among the compressed models of one layer count.");
        }
        if (report.models().stream().anyMatch(m -> !m.stability().isEmpty())) {
            s.append(" Stability: agreement with the original's choices (1 = the same choices).");
        }
        s.append(" Text: ");
        List<String> parts = new ArrayList<>();
        report.sources().forEach((task, source) -> parts.add(task + " from " + source));
        return s.append(String.join("; ", parts)).append('.').toString();
    }

    /** Perplexity vs parameters per text task (log axis), and retained accuracy vs parameters, each method a series. */
    public static List<SvgPlot> charts(EvalReport report) {
        List<SvgPlot> charts = new ArrayList<>();
        if (report.models().size() < 2) {
            return charts;
        }
        for (Task t : report.perplexityTasks()) {
            charts.add(new SvgPlot("Perplexity on " + t.name() + " vs size (lower is better)", "parameters",
                    "perplexity", series(report, m -> perplexity(m, t))).logY());
        }
        if (!report.accuracyTasks().isEmpty() && report.models().stream().skip(1)
                .anyMatch(m -> !Double.isNaN(report.averageRetained(m)))) {
            charts.add(new SvgPlot("Retained accuracy vs size (higher is better)", "parameters",
                    "% of the original's accuracy", series(report, m -> m == report.original() ? 100.0
                            : report.averageRetained(m)))
                    .withReferences(List.of(new SvgPlot.Reference("original (100%)", 100))));
        }
        return charts;
    }

    /**
     * One series per method and kind of model (the model's name without the words that give its size: "come
     * merge+distill" of "come merge+distill 3L"), the original a series of one point; per model when the report is
     * not told methods.
     */
    private static List<SvgPlot.Series> series(EvalReport report, ToDoubleFunction<ModelResult> y) {
        Map<String, List<SvgPlot.Point>> byMethod = new LinkedHashMap<>();
        for (ModelResult m : report.models()) {
            String name = m == report.original() ? "original" : seriesName(m);
            double value = y.applyAsDouble(m);
            if (Double.isFinite(value)) {
                byMethod.computeIfAbsent(name, k -> new ArrayList<>())
                        .add(new SvgPlot.Point(m.parameters(), value, m.model()));
            }
        }
        List<SvgPlot.Series> series = new ArrayList<>();
        byMethod.forEach((name, points) -> series.add(new SvgPlot.Series(name, SvgPlot.Style.LINE, points)));
        return series;
    }

    /** The series a compressed model belongs to in the quality-versus-size charts: its name without its size. */
    static String seriesName(ModelResult m) {
        if (m.profile().method().isEmpty()) {
            return m.model();
        }
        String kind = m.model().replaceFirst("\\s*\\S*\\d\\S*$", "");
        return kind.isEmpty() ? m.profile().method() : kind;
    }

    private static double perplexity(ModelResult m, Task t) {
        Metrics.Value v = m.value(t.name(), t.measures().get(0));
        return v == null ? Double.NaN : v.value();
    }

    /** 100% where some accuracy task gives the original a base to retain (above chance), else none. */
    private static double originalRetained(EvalReport report) {
        return report.accuracyTasks().stream().anyMatch(report::originalAboveChance) ? 100 : Double.NaN;
    }

    /** A value formatted, or a dash when it is not a finite number. */
    private static String number(double v, String format) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, format, v) : "—";
    }

    private static String names(List<Task> tasks) {
        return String.join(", ", tasks.stream().map(Task::name).toList());
    }

    private static String percent(double p) {
        return String.format(Locale.ROOT, "%.1f%%", p);
    }

    private static String percentOrDash(double p) {
        return Double.isFinite(p) ? percent(p) : "—";
    }
}
