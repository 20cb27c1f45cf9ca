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
 * The report as one self-contained HTML page: the tables of the Markdown report and SVG charts drawn in Java
 * (accuracy per task for each model, retained percentage, perplexities and, with a calibration run, a bar chart
 * per layer score). Nothing is fetched when the page is opened.
 */
public final class ReportHtml {
    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:820px;color:#222}
            h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.8em}
            table{border-collapse:collapse;margin:0.6em 0;font-size:0.92em}
            th,td{border-bottom:1px solid #ddd;padding:3px 10px;text-align:right}th{background:#f3f3f3}
            td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}
            .chart{display:block;margin:1em 0}.chart .title{font-size:15px;font-weight:600}
            .chart .tick,.chart .category,.chart .legend{font-size:11px;fill:#333}
            .chart .grid{stroke:#e3e3e3}.chart .axis{stroke:#444}.chart .reference{stroke:#c00;stroke-dasharray:4 3}
            """;

    private ReportHtml() {
    }

    /** A whole page: {@code body} under the heading {@code title}, in the report's style. */
    public static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + Html.escape(title)
                + "</title><style>" + STYLE + "</style></head><body>\n<h1>" + Html.escape(title) + "</h1>\n" + body
                + "</body></html>\n";
    }

    public static String html(EvalReport report) {
        StringBuilder h = new StringBuilder();
        h.append("<p>Original: <b>").append(Html.escape(report.original().model())).append("</b>");
        for (ModelResult m : report.models()) {
            h.append("<br>").append(Html.escape(m.model())).append(String.format(Locale.ROOT, ": %,d parameters",
                    m.parameters()));
            double avg = report.averageAccuracy(m);
            if (!Double.isNaN(avg)) {
                h.append(String.format(Locale.ROOT, ", average accuracy %.4f", avg));
            }
        }
        h.append("</p>\n");
        charts(report).forEach(c -> h.append(c.svg()).append('\n'));
        h.append("<h2>Results</h2>\n").append(table(report));
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
        return page("Evaluation", h.toString());
    }

    /** The accuracy, retained and perplexity charts. */
    static List<SvgBarChart> charts(EvalReport report) {
        List<SvgBarChart> charts = new ArrayList<>();
        List<Task> accuracyTasks = report.tasks().stream().filter(t -> t.measures().get(0).higherIsBetter()).toList();
        if (!accuracyTasks.isEmpty()) {
            List<String> names = accuracyTasks.stream().map(Task::name).toList();
            List<SvgBarChart.Series> series = new ArrayList<>();
            for (ModelResult m : report.models()) {
                series.add(new SvgBarChart.Series(m.model(), accuracyTasks.stream()
                        .map(t -> m.value(t.name(), t.measures().get(0)).value()).toList()));
            }
            charts.add(new SvgBarChart("Accuracy per task", names, series, null));
            if (report.models().size() > 1) {
                List<SvgBarChart.Series> kept = new ArrayList<>();
                for (ModelResult m : report.models().subList(1, report.models().size())) {
                    kept.add(new SvgBarChart.Series(m.model(), accuracyTasks.stream().map(t -> {
                        Double r = report.retained(m, t.name(), t.measures().get(0));
                        return r == null ? Double.NaN : r;
                    }).toList()));
                }
                charts.add(new SvgBarChart("Retained accuracy (% of the original)", names, kept, 100.0));
            }
        }
        List<String> perplexities = new ArrayList<>();
        List<List<Double>> values = new ArrayList<>();
        report.models().forEach(m -> values.add(new ArrayList<>()));
        for (Task t : report.tasks()) {
            for (Measure measure : t.measures()) {
                if (!measure.higherIsBetter()) {
                    perplexities.add(t.name() + " " + measure.id());
                    for (int i = 0; i < report.models().size(); i++) {
                        values.get(i).add(report.models().get(i).value(t.name(), measure).value());
                    }
                }
            }
        }
        if (!perplexities.isEmpty()) {
            List<SvgBarChart.Series> series = new ArrayList<>();
            for (int i = 0; i < report.models().size(); i++) {
                series.add(new SvgBarChart.Series(report.models().get(i).model(), values.get(i)));
            }
            charts.add(new SvgBarChart("Perplexity (lower is better)", perplexities, series, null));
        }
        return charts;
    }

    private static String table(EvalReport report) {
        StringBuilder t = new StringBuilder("<table><tr><th>Task</th><th>Metric</th>");
        for (ModelResult m : report.models()) {
            t.append("<th>").append(Html.escape(m.model())).append("</th>");
            if (m != report.original()) {
                t.append("<th>retained</th><th>stability</th>");
            }
        }
        t.append("</tr>\n");
        for (Task task : report.tasks()) {
            for (Measure measure : task.measures()) {
                t.append("<tr><td>").append(Html.escape(task.name())).append("</td><td>").append(measure.id()).append("</td>");
                for (ModelResult m : report.models()) {
                    Metrics.Value v = m.value(task.name(), measure);
                    t.append("<td>").append(ReportText.fmt(v.value()))
                            .append(Double.isNaN(v.stderr()) ? "" : " ± " + ReportText.fmt(v.stderr())).append("</td>");
                    if (m != report.original()) {
                        Double kept = report.retained(m, task.name(), measure);
                        Double s = measure == task.measures().get(0) ? m.stability().get(task.name()) : null;
                        t.append("<td>").append(kept == null ? "" : String.format(Locale.ROOT, "%.1f%%", kept))
                                .append("</td><td>").append(s == null ? "" : ReportText.fmt(s)).append("</td>");
                    }
                }
                t.append("</tr>\n");
            }
        }
        return t.append("</table>\n").toString();
    }
}
