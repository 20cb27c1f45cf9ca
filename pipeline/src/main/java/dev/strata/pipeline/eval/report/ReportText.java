package dev.strata.pipeline.eval.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.eval.Metrics;
import dev.strata.pipeline.eval.report.EvalReport.ModelResult;
import dev.strata.pipeline.eval.task.Measure;
import dev.strata.pipeline.eval.task.Task;
import java.util.Locale;
import java.util.Map;

/** The report as JSON (for programs) and as Markdown tables in lm-evaluation-harness's layout (for people). */
public final class ReportText {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportText() {
    }

    public static String json(EvalReport report) {
        return text(tree(report));
    }

    /** The report as a JSON tree, for a caller that adds its own part (a recipe's). */
    public static ObjectNode tree(EvalReport report) {
        ObjectNode root = JSON.createObjectNode();
        root.put("original", report.original().model());
        Map<String, String> verdicts = Overview.verdicts(report);
        ObjectNode about = root.putObject("tasks");
        for (Task t : report.tasks()) {
            ObjectNode task = about.putObject(t.name());
            task.put("source", report.sources().get(t.name()));
            number(task, "chance", report.chance(t.name()));
            task.put("original_above_chance", report.originalAboveChance(t));
        }
        var models = root.putArray("models");
        for (ModelResult m : report.models()) {
            ObjectNode node = models.addObject();
            node.put("model", m.model());
            node.put("method", m.profile().method());
            node.put("layers", m.profile().layers());
            node.put("parameters", m.parameters());
            node.put("size_percent", 100.0 * m.parameters() / report.original().parameters());
            number(node, "average_accuracy", report.averageAccuracy(m));
            number(node, "average_accuracy_stderr", report.averageAccuracyStderr(m));
            number(node, "retained_percent", m == report.original() ? 100 : report.averageRetained(m));
            number(node, "stability", report.meanStability(m));
            if (verdicts.containsKey(m.model())) {
                node.put("verdict", verdicts.get(m.model()));
            }
            ObjectNode tasks = node.putObject("tasks");
            for (Task t : report.tasks()) {
                ObjectNode task = tasks.putObject(t.name());
                for (Metrics.Value v : m.values().get(t.name())) {
                    ObjectNode measure = task.putObject(v.measure().id());
                    number(measure, "value", v.value());
                    number(measure, "stderr", v.stderr());
                    measure.put("examples", v.examples());
                    number(measure, "retained_percent", nullToNaN(report.retained(m, t.name(), v.measure())));
                }
                if (m.stability().containsKey(t.name())) {
                    task.put("stability", m.stability().get(t.name()));
                }
            }
        }
        if (!report.layerScores().isEmpty()) {
            root.set("layer_scores", JSON.valueToTree(report.layerScores()));
        }
        return root;
    }

    /** A JSON tree as the reports write it: indented, ending with a line break. */
    public static String text(ObjectNode root) {
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static double nullToNaN(Double d) {
        return d == null ? Double.NaN : d;
    }

    /** Puts a number, or null for NaN and infinities (JSON has neither). */
    static void number(ObjectNode node, String key, double value) {
        if (!Double.isFinite(value)) {
            node.putNull(key);
        } else {
            node.put(key, value);
        }
    }

    public static String markdown(EvalReport report) {
        return markdown(report, "Evaluation", "", "");
    }

    /**
     * The report as Markdown: {@code intro} and the overview ({@link Overview}) first, then {@code sections}, then
     * each model's table in lm-evaluation-harness's layout and the comparison with the original.
     */
    public static String markdown(EvalReport report, String title, String intro, String sections) {
        StringBuilder md = new StringBuilder("# ").append(title).append("\n\n").append(intro);
        md.append("## Which model to ship\n\n").append(Overview.table(report).markdown()).append('\n')
                .append(Overview.legend(report)).append("\n\n").append(sections);
        for (ModelResult m : report.models()) {
            md.append("## ").append(m.model()).append(m == report.original() ? " (original)" : "").append("\n\n")
                    .append(String.format(Locale.ROOT, "%,d parameters", m.parameters()));
            double avg = report.averageAccuracy(m);
            if (!Double.isNaN(avg)) {
                md.append(String.format(Locale.ROOT, "; average accuracy %.4f", avg));
            }
            md.append("\n\n|Tasks|Metric| |Value| |Stderr|\n|-----|------|-|----:|-|-----:|\n");
            for (Task t : report.tasks()) {
                boolean first = true;
                for (Metrics.Value v : m.values().get(t.name())) {
                    md.append('|').append(first ? t.name() : "").append('|').append(v.measure().id()).append('|')
                            .append(v.measure().higherIsBetter() ? "↑" : "↓").append('|')
                            .append(String.format(Locale.ROOT, "%.4f", v.value())).append("|±|")
                            .append(Double.isNaN(v.stderr()) ? "N/A" : String.format(Locale.ROOT, "%.4f", v.stderr()))
                            .append("|\n");
                    first = false;
                }
            }
            md.append('\n');
        }
        if (report.models().size() > 1) {
            md.append("## Compared with the original\n\n|Task|Metric|").append(report.original().model()).append('|');
            for (ModelResult m : report.models().subList(1, report.models().size())) {
                md.append(m.model()).append("|retained|stability|");
            }
            md.append("\n|---|---|---:|");
            md.append("---:|---:|---:|".repeat(report.models().size() - 1)).append('\n');
            for (Task t : report.tasks()) {
                for (Measure measure : t.measures()) {
                    md.append('|').append(t.name()).append('|').append(measure.id()).append('|')
                            .append(fmt(report.original().value(t.name(), measure).value())).append('|');
                    for (ModelResult m : report.models().subList(1, report.models().size())) {
                        Double kept = report.retained(m, t.name(), measure);
                        Double s = measure == t.measures().get(0) ? m.stability().get(t.name()) : null;
                        md.append(fmt(m.value(t.name(), measure).value())).append('|')
                                .append(kept == null ? "" : String.format(Locale.ROOT, "%.1f%%", kept)).append('|')
                                .append(s == null ? "" : fmt(s)).append('|');
                    }
                    md.append('\n');
                }
            }
        }
        return md.toString();
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
