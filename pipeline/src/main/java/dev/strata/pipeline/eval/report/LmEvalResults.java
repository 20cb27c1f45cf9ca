package dev.strata.pipeline.eval.report;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.eval.Metrics;
import dev.strata.pipeline.eval.report.EvalReport.ModelResult;
import dev.strata.pipeline.eval.task.Task;

/**
 * One model's results in lm-evaluation-harness's results.json layout (version 0.4: "results" keyed by task, each
 * metric as "acc,none" beside "acc_stderr,none", with "versions", "configs", "n-shot", "higher_is_better",
 * "n-samples" and "config"), so that tooling written for lm-eval's output (leaderboards, comparison scripts) reads
 * our numbers. Zero-shot throughout; a missing standard error is "N/A", as lm-eval writes it. Text tasks report
 * token_perplexity (over the model's own tokens), not lm-eval's word_perplexity, byte_perplexity or bits_per_byte.
 */
public final class LmEvalResults {
    private static final String FILTER = ",none";

    private LmEvalResults() {
    }

    /** The file's name: lm-eval's is results_DATE.json, which tools find as results_*.json. */
    public static final String FILE = "results_strata.json";

    /** The folder name lm-eval gives a model: each run of {@code "<>:/\|?*[]} characters replaced by "__". */
    public static String sanitized(String model) {
        return model.replaceAll("[\"<>:/\\\\|?*\\[\\]]+", "__");
    }

    /** @param address where the model is (a folder), lm-eval's "pretrained" model argument */
    public static String json(EvalReport report, ModelResult model, String address) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode results = root.putObject("results");
        ObjectNode subtasks = root.putObject("group_subtasks");
        ObjectNode shots = root.putObject("n-shot");
        ObjectNode higher = root.putObject("higher_is_better");
        ObjectNode samples = root.putObject("n-samples");
        ObjectNode versions = root.putObject("versions");
        ObjectNode configs = root.putObject("configs");
        for (Task t : report.tasks()) {
            ObjectNode task = results.putObject(t.name());
            task.put("alias", t.name());
            ObjectNode better = higher.putObject(t.name());
            int examples = 0;
            for (Metrics.Value v : model.values().get(t.name())) {
                String id = v.measure().id();
                if (Double.isFinite(v.value())) {
                    task.put(id + FILTER, v.value());
                } else {
                    task.putNull(id + FILTER);
                }
                if (Double.isNaN(v.stderr())) {
                    task.put(id + "_stderr" + FILTER, "N/A");
                } else {
                    task.put(id + "_stderr" + FILTER, v.stderr());
                }
                better.put(id, v.measure().higherIsBetter());
                examples = v.examples();
            }
            subtasks.putArray(t.name());
            shots.put(t.name(), 0);
            versions.put(t.name(), 1.0);
            ObjectNode config = configs.putObject(t.name());
            config.put("task", t.name());
            config.put("num_fewshot", 0);
            config.put("dataset_path", report.sources().get(t.name()));
            ObjectNode n = samples.putObject(t.name());
            n.put("original", examples);
            n.put("effective", examples);
        }
        ObjectNode config = root.putObject("config");
        config.put("model", "strata");
        config.put("model_args", "pretrained=" + address);
        config.put("data", String.join("; ", report.sources().entrySet().stream()
                .map(e -> e.getKey() + ": " + e.getValue()).toList()));
        root.put("model_name", model.model());
        root.put("model_name_sanitized", sanitized(model.model()));
        return ReportText.text(root);
    }
}
