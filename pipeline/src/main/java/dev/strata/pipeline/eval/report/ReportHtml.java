package dev.strata.pipeline.eval.report;

import dev.strata.pipeline.eval.Metrics;
import dev.strata.pipeline.eval.report.EvalReport.ModelResult;
import dev.strata.pipeline.eval.task.Measure;
import dev.strata.pipeline.eval.task.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report as one self-contained HTML page. Its first screen answers which model to ship ({@link Overview}: a
 * table with a row per model and quality-versus-size charts); then what the caller adds (a recipe's models, training
 * and methods), accuracy per task against chance, the results per task with models as rows and, with a calibration
 * run, a bar chart per layer score. Charts are SVG drawn in Java; wide tables scroll inside the page, which is
 * never wider than the window. Nothing is fetched when the page is opened.
 */
public final class ReportHtml {
    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1100px;
            padding:0 1em;color:#222}
            h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.8em}p.note{font-size:0.88em;color:#444}
            .scroll{overflow-x:auto;max-width:100%}
            table{border-collapse:collapse;margin:0.6em 0;font-size:0.86em}
            th,td{border-bottom:1px solid #ddd;padding:3px 6px;text-align:right;white-space:nowrap}th{background:#f3f3f3}
            td:first-child,th:first-child{text-align:left;white-space:normal;min-width:9em}td:last-child{white-space:normal}
            pre{background:#f6f6f6;padding:0.8em;overflow-x:auto;font-size:0.85em}
            .chart{display:block;margin:1em 0;max-width:100%;height:auto}.chart .title{font-size:15px;font-weight:600}
            .chart .tick,.chart .category,.chart .legend{font-size:11px;fill:#333}
            .chart .grid{stroke:#e3e3e3}.chart .axis{stroke:#444}.chart .reference{stroke:#c00;stroke-dasharray:4 3}
            """;

    private ReportHtml() {
    }

    /** A whole page: {@code body} under the heading {@code title}, in the report's style. */
    public static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" + Html.escape(title)
                + "</title><style>" + STYLE + "</style></head><body>\n<h1>" + Html.escape(title) + "</h1>\n" + body
                + "</body></html>\n";
    }

    /** The evaluation's page. */
    public static String html(EvalReport report) {
        return html(report, "Evaluation", "", "");
    }

    /**
     * A page whose first screen is {@code intro} and the overview, followed by {@code sections} (HTML) and the
     * evaluation's details.
     */
    public static String html(EvalReport report, String title, String intro, String sections) {
        StringBuilder h = new StringBuilder(intro);
        h.append("<h2>Which model to ship</h2>\n").append(scroll(Overview.table(report).html()))
                .append("<p class=\"note\">").append(Html.escape(Overview.legend(report))).append("</p>\n");
        Overview.charts(report).forEach(c -> h.append(c.svg()).append('\n'));
        h.append(sections);
        SvgBarChart accuracy = accuracyChart(report);
        if (accuracy != null) {
            h.append("<h2>Accuracy per task</h2>\n").append(accuracy.svg()).append('\n');
        }
        h.append("<h2>Results per task</h2>\n").append(scroll(results(report).html()));
        Table retained = retained(report);
        if (retained != null) {
            h.append("<h2>Retained accuracy (% of the original) and stability per task</h2>\n").append(scroll(retained.html()));
        }
        if (!report.layerScores().isEmpty()) {
            h.append("<h2>Layer scores</h2>\n");
            for (Map.Entry<String, List<Double>> metric : report.layerScores().entrySet()) {
                List<String> layers = new ArrayList<>();
                for (int l = 0; l < metric.getValue().size(); l++) {
                    layers.add(Integer.toString(l));
                }
                h.append(new SvgBarChart(metric.getKey() + " by layer", layers,
                        List.of(new SvgBarChart.Series(metric.getKey(), metric.getValue())), null).svg()).append('\n');
            }
        }
        return page(title, h.toString());
    }

    private static String scroll(String table) {
        return "<div class=\"scroll\">" + table + "</div>\n";
    }

    /** Each model's accuracy per task, largest model first, with each task's chance level marked; null without. */
    static SvgBarChart accuracyChart(EvalReport report) {
        List<Task> tasks = report.accuracyTasks();
        if (tasks.isEmpty()) {
            return null;
        }
        List<SvgBarChart.Series> series = new ArrayList<>();
        for (ModelResult m : Overview.bySize(report)) {
            series.add(new SvgBarChart.Series(m.model(), tasks.stream()
                    .map(t -> m.value(t.name(), t.measures().get(0)).value()).toList()));
        }
        SvgBarChart chart = new SvgBarChart("Accuracy per task (higher is better)", tasks.stream().map(Task::name)
                .toList(), series, null);
        List<Double> chance = tasks.stream().map(t -> report.chance(t.name())).toList();
        return chance.stream().allMatch(c -> Double.isNaN(c)) ? chart : chart.withMarks("chance", chance);
    }

    /** Every measure of every task, a row per model (largest first), a column per task and measure. */
    static Table results(EvalReport report) {
        List<String> header = new ArrayList<>(List.of("Model"));
        for (Task t : report.tasks()) {
            t.measures().forEach(m -> header.add(t.name() + " " + m.id() + (m.higherIsBetter() ? " ↑" : " ↓")));
        }
        Table table = new Table(header.toArray(String[]::new));
        for (ModelResult m : Overview.bySize(report)) {
            List<String> row = new ArrayList<>(List.of(m.model()));
            for (Task t : report.tasks()) {
                for (Measure measure : t.measures()) {
                    Metrics.Value v = m.value(t.name(), measure);
                    row.add(!Double.isFinite(v.value()) ? "—" : ReportText.fmt(v.value())
                            + (Double.isFinite(v.stderr()) ? " ± " + ReportText.fmt(v.stderr()) : ""));
                }
            }
            table.row(row);
        }
        return table;
    }

    /** Each compressed model's retained accuracy and stability per task; null without accuracy tasks. */
    static Table retained(EvalReport report) {
        List<Task> tasks = report.accuracyTasks();
        if (tasks.isEmpty() || report.models().size() < 2) {
            return null;
        }
        List<Task> stable = tasks.stream()
                .filter(t -> report.models().stream().anyMatch(m -> m.stability().containsKey(t.name()))).toList();
        List<String> header = new ArrayList<>(List.of("Model"));
        tasks.forEach(t -> header.add(t.name()));
        stable.forEach(t -> header.add("stability " + t.name()));
        Table table = new Table(header.toArray(String[]::new));
        for (ModelResult m : Overview.bySize(report)) {
            if (m == report.original()) {
                continue;
            }
            List<String> row = new ArrayList<>(List.of(m.model()));
            for (Task t : tasks) {
                Double kept = report.retained(m, t.name(), t.measures().get(0));
                row.add(kept != null ? String.format(Locale.ROOT, "%.1f%%", kept)
                        : report.originalAboveChance(t) ? "—" : "— (original at chance)");
            }
            for (Task t : stable) {
                Double s = m.stability().get(t.name());
                row.add(s == null ? "—" : ReportText.fmt(s));
            }
            table.row(row);
        }
        return table;
    }
}
