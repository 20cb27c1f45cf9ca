package dev.strata.jobs.spark;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.RunFolder;
import dev.strata.pipeline.compress.Product;
import dev.strata.pipeline.compress.ReportSection;
import dev.strata.pipeline.compress.RunParams;
import dev.strata.pipeline.compress.TrainingRecord;
import dev.strata.pipeline.eval.EvalParams;
import dev.strata.pipeline.eval.report.EvalReport;
import dev.strata.pipeline.eval.report.Html;
import dev.strata.pipeline.eval.report.ReportHtml;
import dev.strata.pipeline.eval.report.ReportText;
import dev.strata.pipeline.eval.report.Table;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.recipe.Recipe;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A recipe run's report (OUT/report.md, .html, .json): what was compressed and on which text, the overview that
 * answers which model to ship, then each model's folder and what was done to it, the training losses, the variants,
 * each method's own section, the evaluation's details and the recipe's settings.
 *
 * @param methods product label -> the method that made it
 * @param overlaps the evaluated tasks whose text the calibration or a variant's fine-tuning also read (empty when
 *     held out)
 */
record RecipeReport(Recipe recipe, RunFolder folder, LlamaConfig config, String original,
        List<VariantMaker.Made> variants, List<Product> products, Map<String, String> methods, Product exported,
        List<ReportSection> sections, EvalReport evaluation, List<String> overlaps) {

    /** Writes report.md, report.html and report.json into the run folder. */
    void write() {
        Section models = models();
        List<Section> parts = new ArrayList<>(List.of(models));
        if (!variants.isEmpty()) {
            parts.add(variantsSection());
        }
        if (products.stream().anyMatch(p -> !p.training().isEmpty())) {
            parts.add(training());
        }
        StringBuilder md = new StringBuilder();
        StringBuilder html = new StringBuilder();
        for (Section s : parts) {
            md.append("## ").append(s.title).append("\n\n").append(s.markdown).append('\n');
            html.append("<h2>").append(Html.escape(s.title)).append("</h2>\n").append(s.html).append('\n');
        }
        sections.forEach(s -> md.append(s.markdownWithTitle()));
        sections.forEach(s -> html.append(s.htmlWithTitle()));
        String settings = ReportText.text(settings()).strip();
        String mdEnd = "\n## Recipe\n\nEvery setting as run, defaults included:\n\n```json\n" + settings + "\n```\n";
        String htmlEnd = "<h2>Recipe</h2>\n<p>Every setting as run, defaults included:</p>\n<pre>"
                + Html.escape(settings) + "</pre>\n";
        folder.writeText(folder.path("report.md"), ReportText.markdown(evaluation, recipe.name(), intro(false),
                md.toString()) + mdEnd);
        folder.writeText(folder.path("report.html"), ReportHtml.html(evaluation, recipe.name(), intro(true),
                html.toString()).replace("</body>", htmlEnd + "</body>"));
        folder.writeText(folder.path("report.json"), json());
    }

    /** A part of the report as Markdown and HTML. */
    private record Section(String title, String markdown, String html) {
        static Section of(String title, Table table, String note) {
            return new Section(title, table.markdown() + (note.isEmpty() ? "" : "\n" + note + "\n"),
                    "<div class=\"scroll\">" + table.html() + "</div>"
                            + (note.isEmpty() ? "" : "<p class=\"note\">" + Html.escape(note) + "</p>"));
        }
    }

    /** What was compressed, the text it was calibrated on and the text it is measured on, and each method. */
    private String intro(boolean html) {
        String what = String.format(Locale.ROOT, "Compressing %s (%d layers, %,d parameters).",
                recipe.run().get(RunParams.MODEL), config.numLayers(), config.parameterCount());
        String text = "Calibration and training text: " + recipe.run().get(RunParams.DATA)
                + half(recipe.run().get(RunParams.HALF).id()) + (variants.isEmpty() ? ""
                        : "; each variant's own text (its first half)") + ". Evaluation: each task's data in "
                + recipe.evaluate().get(EvalParams.DATA_DIR) + half(recipe.evaluate().get(EvalParams.HALF).id())
                + "; the note under the overview names each task's text.";
        String heldOut = overlaps.isEmpty() ? "No evaluated text was read by the calibration or the training."
                : "Warning: " + String.join(", ", overlaps) + " measured on text the calibration and training also "
                        + "read (give calibration.half: first and evaluate.half: second to hold it out).";
        List<String> methodLines = recipe.methods().stream()
                .map(m -> m.method().name() + ": " + m.method().describe(m.settings())).toList();
        if (!html) {
            StringBuilder md = new StringBuilder(what + " " + text + " " + heldOut + "\n\n");
            methodLines.forEach(l -> md.append("- ").append(l).append('\n'));
            return md.append('\n').toString();
        }
        StringBuilder h = new StringBuilder("<p>").append(Html.escape(what)).append("<br>").append(Html.escape(text))
                .append("<br>").append(overlaps.isEmpty() ? Html.escape(heldOut) : "<b>" + Html.escape(heldOut) + "</b>")
                .append("</p>\n<ul>");
        methodLines.forEach(l -> h.append("<li>").append(Html.escape(l)).append("</li>"));
        return h.append("</ul>\n").toString();
    }

    private static String half(String half) {
        return half.equals("all") ? "" : " (" + half + " half)";
    }

    private Section models() {
        Table t = new Table("Model", "Method", "Layers", "Parameters", "Kept", "Folder", "What was done");
        t.row(original, "original", Integer.toString(config.numLayers()), count(config.parameterCount()), "100.0%", ".",
                "the model compressed");
        for (Product p : products) {
            t.row(p.label(), methods.get(p.label()), Integer.toString(p.layers()), count(p.parameters()),
                    String.format(Locale.ROOT, "%.1f%%", 100.0 * p.parameters() / config.parameterCount()),
                    relative(p.model().address()), p.description());
        }
        return Section.of("Models", t, "Parameters count what computes: an FFN replacement's zero attention weights "
                + "are stored (so the folder loads as a standard Llama) but not counted. The exported model ("
                + RunLayout.EXPORT + "/) is " + exported.label() + ".");
    }

    private Section variantsSection() {
        Table t = new Table("Variant", "Text", "Loss (first -> last)", "Steps", "Held-out PPL, base",
                "Held-out PPL, variant", "Folder");
        for (VariantMaker.Made v : variants) {
            t.row(v.variant().name(), v.variant().describe(), String.format(Locale.ROOT, "%.4f -> %.4f",
                    v.training().losses().first(), v.training().losses().last()),
                    Integer.toString(v.training().losses().steps()), String.format(Locale.ROOT, "%.3f",
                            v.basePerplexity()), String.format(Locale.ROOT, "%.3f", v.tunedPerplexity()),
                    relative(v.model()));
        }
        return Section.of("Variants", t, "Each fine-tuned on the first half of its text; perplexity on the held-out "
                + "second half, never trained on.");
    }

    private Section training() {
        Table t = new Table("Model", "Task", "First loss", "Last loss", "Last epoch mean", "Steps");
        for (Product p : products) {
            for (TrainingRecord r : p.training()) {
                t.row(p.label(), r.task(), String.format(Locale.ROOT, "%.5f", r.losses().first()),
                        String.format(Locale.ROOT, "%.5f", r.losses().last()),
                        String.format(Locale.ROOT, "%.5f", r.losses().lastEpochMean()),
                        Integer.toString(r.losses().steps()));
            }
        }
        return Section.of("Training", t, "");
    }

    /** The recipe's settings: the run's, each method's and the evaluation's, as JSON. */
    private ObjectNode settings() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("name", recipe.name());
        root.set("run", recipe.run().toJson());
        var methodList = root.putArray("methods");
        recipe.methods().forEach(m -> methodList.addObject().set(m.method().name(), m.settings().toJson()));
        root.set("evaluate", recipe.evaluate().toJson());
        return root;
    }

    /** The evaluation's report.json with the recipe's part: settings, folders, training, what was exported. */
    private String json() {
        ObjectNode root = ReportText.tree(evaluation);
        ObjectNode about = root.putObject("recipe");
        about.set("settings", settings());
        about.put("exported", exported.label());
        var overlapList = about.putArray("evaluated_on_calibration_text");
        overlaps.forEach(overlapList::add);
        ObjectNode models = about.putObject("models");
        for (Product p : products) {
            ObjectNode m = models.putObject(p.label());
            m.put("method", methods.get(p.label()));
            m.put("folder", relative(p.model().address()));
            m.put("description", p.description());
            var list = m.putArray("training");
            for (TrainingRecord r : p.training()) {
                ObjectNode t = list.addObject();
                t.put("task", r.task());
                t.put("first_loss", r.losses().first());
                t.put("last_loss", r.losses().last());
                t.put("last_epoch_mean", r.losses().lastEpochMean());
                t.put("steps", r.losses().steps());
            }
        }
        return ReportText.text(root);
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private String relative(String address) {
        String root = folder.root().toString() + "/";
        return address.startsWith(root) ? address.substring(root.length()) : address;
    }
}
