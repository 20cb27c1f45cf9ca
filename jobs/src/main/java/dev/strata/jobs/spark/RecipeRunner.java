package dev.strata.jobs.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.ModelFiles;
import dev.strata.jobs.io.RunFolder;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.LayerRemoval;
import dev.strata.pipeline.compress.MergePlan;
import dev.strata.pipeline.compress.Replacement;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.recipe.Recipe;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

/**
 * Runs a recipe end to end. CoMe: calibrate and merge progressively (OUT/merge), distill every target
 * (OUT/distill-K), the one-shot removal baselines (OUT/prune-METHOD-K). LLM-Streamline: for every block length N,
 * the untrained prune (OUT/streamline-none-N) and every trained replacement (OUT/streamline-KIND-N). Then evaluate
 * the original and every result side by side (OUT/eval), export the first method's smallest trained model
 * (OUT/model) and write OUT/report.md, OUT/report.json and OUT/report.html. Each stage is its own run folder, which
 * resumes its own finished work (or refuses, naming the key, when the recipe changed what it was run with); export
 * and report are done once.
 */
public final class RecipeRunner {
    public static final String KIND = "recipe";
    public static final String MODEL = "model";
    private static final Logger LOG = LogManager.getLogger(RecipeRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** @param stageSeconds wall time of every stage of this run (0 for a stage skipped as finished) */
    public record Result(Path out, Path model, Map<String, Double> stageSeconds, String markdown) {
    }

    /** A model the report compares; {@code label} names it, {@code folder} holds it; its parameters that compute. */
    private record Entry(String label, String folder, int layers, long parameters) {
    }

    /** The models of one method: rows of the report, and the one exported when the method comes first. */
    private record MethodRows(List<Entry> rows, Entry product) {
    }

    private RecipeRunner() {
    }

    /** @param out the run folder, or null for the recipe's own */
    public static Result run(Recipe recipe, String out, Supplier<SparkSession> spark) {
        String model = HadoopFiles.path(recipe.model()).toString();
        LlamaConfig config = ModelFolder.readConfig(ModelFiles.localMetadata(HadoopFiles.path(model),
                HadoopFiles.configuration()));
        int layers = config.numLayers();
        for (int target : recipe.targets()) {
            if (target >= layers) {
                throw new StrataException("recipe: target_layers " + target + " is not below the " + layers + " layers of "
                        + recipe.model());
            }
        }
        if (recipe.streamline() != null) {
            for (int n : recipe.streamline().blockLengths()) {
                if (n >= layers) {
                    throw new StrataException("recipe: streamline.layers " + n + " is not below the " + layers
                            + " layers of " + recipe.model());
                }
            }
        }
        ObjectNode inputs = JSON.createObjectNode();
        inputs.put("name", recipe.name());
        inputs.put("model", model);
        RunFolder run = RunFolder.open(out != null ? out : recipe.out(), "--out", KIND, inputs);
        Map<String, Double> seconds = new LinkedHashMap<>();
        List<Entry> all = new ArrayList<>();
        all.add(new Entry("original " + layers + "L", model, layers, config.parameterCount()));
        Entry product = null;
        for (Recipe.Method method : recipe.methods()) {
            MethodRows rows = switch (method) {
                case COME -> come(recipe, run, model, config, seconds, spark);
                case STREAMLINE -> streamline(recipe, run, model, config, seconds, spark);
            };
            all.addAll(rows.rows());
            product = product == null ? rows.product() : product;
        }
        String root = run.root().toString();
        Recipe.Evaluate e = recipe.evaluate();
        String scores = recipe.methods().get(0) == Recipe.Method.COME ? root + "/merge/" + MergeJob.scoresPath(0)
                : root + "/" + streamlineFolder(Replacement.NONE, recipe.streamline().blockLengths().get(0)) + "/"
                        + MergeJob.scoresPath(0);
        job(run, "eval", seconds, () -> EvalJob.run(new EvalJob.Options(all.stream().map(Entry::folder).toList(),
                all.stream().map(Entry::label).toList(), String.join(",", e.tasks()), e.limit(), e.dataDir(),
                root + "/eval", 2048, 64, scores), spark));
        Entry exported = product;
        once(run, "export", seconds, () -> {
            Path staged = run.staging(MODEL);
            ModelFiles.write(ModelFolder.read(ModelFiles.local(HadoopFiles.path(exported.folder()),
                    run.configuration())), Map.of(), staged, run.configuration());
            run.commit(staged, MODEL);
            return null;
        });
        once(run, "report", seconds, () -> {
            run.writeText(run.path("report.md"), report(recipe, run, all, config, exported));
            for (String file : List.of("report.html", "report.json")) {
                run.writeText(run.path(file), run.readText(new Path(root + "/eval/" + EvalJob.REPORT + "/" + file)));
            }
            return null;
        });
        LOG.info("recipe {}: model in {}, report in {}", recipe.name(), run.path(MODEL), run.path("report.md"));
        return new Result(run.root(), run.path(MODEL), seconds, run.readText(run.path("report.md")));
    }

    /** CoMe: merge progressively, distill every target, and the one-shot baselines at every target. */
    private static MethodRows come(Recipe recipe, RunFolder run, String model, LlamaConfig config,
            Map<String, Double> seconds, Supplier<SparkSession> spark) {
        String root = run.root().toString();
        int layers = config.numLayers();
        List<Entry> merged = new ArrayList<>();
        List<Entry> distilled = new ArrayList<>();
        List<Entry> baselines = new ArrayList<>();
        Recipe.Calibration cal = recipe.calibration();
        int smallest = recipe.targets().get(recipe.targets().size() - 1);
        job(run, "merge", seconds, () -> MergeJob.run(new MergeJob.Options(model, cal.data(), root + "/merge",
                cal.seqLen(), cal.samples(), cal.seed(), cal.batch(), null, smallest, null, recipe.merge().pairMetric(),
                recipe.merge().noRemerge(), null), spark));
        for (int target : recipe.targets()) {
            long params = config.withNumLayers(target).parameterCount();
            String student = root + "/merge/" + MergeJob.modelPath(layers - target);
            merged.add(new Entry("come merge " + target + "L", student, target, params));
            String distillOut = root + "/distill-" + target;
            Recipe.Distill d = recipe.distill();
            job(run, "distill-" + target, seconds, () -> DistillJob.run(new DistillJob.Options(model, student,
                    student + "/" + MergePlan.FILE, cal.data(), distillOut, cal.seqLen(), d.samples(), cal.seed(),
                    d.layers(), d.model(), d.klWeight(), d.hiddenWeight()), spark));
            distilled.add(new Entry("come merge+distill " + target + "L", distillOut + "/"
                    + (d.model() == null ? DistillJob.STAGE1_MODEL : DistillJob.FINAL_MODEL), target, params));
            for (LayerRemoval b : recipe.baselines()) {
                String pruneOut = root + "/prune-" + b.id() + "-" + target;
                job(run, "prune-" + b.id() + "-" + target, seconds, () -> PruneJob.run(new PruneJob.Options(model,
                        cal.data(), pruneOut, cal.seqLen(), cal.samples(), cal.seed(), cal.batch(), null, b,
                        layers - target, null, null), spark));
                baselines.add(new Entry("prune " + b.id() + " " + target + "L", pruneOut + "/" + PruneJob.FINAL_MODEL,
                        target, params));
            }
        }
        List<Entry> rows = new ArrayList<>(merged);
        rows.addAll(distilled);
        rows.addAll(baselines);
        return new MethodRows(rows, distilled.get(distilled.size() - 1));
    }

    /**
     * LLM-Streamline: for every block length, the untrained prune (which also scores the model: the other runs of
     * the recipe choose their block from its tables) and every trained replacement.
     */
    private static MethodRows streamline(Recipe recipe, RunFolder run, String model, LlamaConfig config,
            Map<String, Double> seconds, Supplier<SparkSession> spark) {
        String root = run.root().toString();
        Recipe.Calibration cal = recipe.calibration();
        Recipe.Streamline s = recipe.streamline();
        List<Entry> rows = new ArrayList<>();
        Entry product = null;
        String scores = null;
        for (int n : s.blockLengths()) {
            List<Replacement> kinds = new ArrayList<>(List.of(Replacement.NONE));
            kinds.addAll(s.replacements());
            for (Replacement kind : kinds) {
                String folder = streamlineFolder(kind, n);
                String given = scores;
                StreamlineJob.Result result = job(run, folder, seconds, () -> StreamlineJob.run(
                        new StreamlineJob.Options(model, cal.data(), root + "/" + folder, cal.seqLen(), cal.samples(),
                                cal.seed(), cal.batch(), null, given, n, null, kind, s.loss(), s.training()), spark));
                scores = scores != null ? scores : root + "/" + folder + "/" + MergeJob.scoresPath(0);
                int resultLayers = config.numLayers() - n + (kind.isTrained() ? 1 : 0);
                Entry row = new Entry("streamline " + kind.id() + " " + n + "-block", result.model().toString(),
                        resultLayers, result.parameters());
                rows.add(row);
                if (kind.isTrained() && (product == null || row.parameters() <= product.parameters())) {
                    product = row;
                }
            }
        }
        return new MethodRows(rows, product);
    }

    private static String streamlineFolder(Replacement kind, int blockLength) {
        return "streamline-" + kind.id() + "-" + blockLength;
    }

    /**
     * Runs a stage's job, which skips what its own run folder has finished; records the wall time and returns what
     * the job returned.
     */
    private static <T> T job(RunFolder run, String name, Map<String, Double> seconds, Supplier<T> work) {
        return timed(run, name, seconds, work);
    }

    /** Runs a stage unless run.json marks it done. */
    private static void once(RunFolder run, String name, Map<String, Double> seconds, Supplier<?> work) {
        if (run.isDone(name)) {
            LOG.info("recipe: {} is done, skipped", name);
            seconds.put(name, 0.0);
            return;
        }
        timed(run, name, seconds, work);
    }

    private static <T> T timed(RunFolder run, String name, Map<String, Double> seconds, Supplier<T> work) {
        long start = System.nanoTime();
        LOG.info("recipe: {} ...", name);
        T result = work.get();
        double s = (System.nanoTime() - start) / 1e9;
        ObjectNode info = JSON.createObjectNode();
        info.put("seconds", s);
        run.markDone(name, info);
        seconds.put(name, s);
        LOG.info("recipe: {} done in {} s", name, String.format("%.1f", s));
        return result;
    }

    /** The report: what each model is, then the training losses, then the evaluation's tables. */
    private static String report(Recipe recipe, RunFolder run, List<Entry> models, LlamaConfig original,
            Entry exported) {
        String root = run.root().toString();
        StringBuilder md = new StringBuilder("# ").append(recipe.name()).append("\n\n");
        for (Recipe.Method method : recipe.methods()) {
            md.append(switch (method) {
                case COME -> "CoMe (" + recipe.merge().pairMetric().id() + " pair metric"
                        + (recipe.merge().noRemerge() ? ", no re-merging" : "") + ") on " + recipe.model()
                        + ", calibrated and distilled on " + recipe.calibration().data() + ".\n\n";
                case STREAMLINE -> "LLM-Streamline on " + recipe.model() + ": the block of N layers with the highest "
                        + "cosine between its input and output is removed (streamline none) or replaced by a trained "
                        + String.join(" or ", recipe.streamline().replacements().stream().map(Replacement::id).toList())
                        + " (" + recipe.streamline().loss().id() + " loss), scored and trained on "
                        + recipe.calibration().data() + ".\n\n";
            });
        }
        md.append("|Model|Layers|Parameters|Kept|Folder|\n|---|---:|---:|---:|---|\n");
        for (Entry m : models) {
            md.append(String.format(java.util.Locale.ROOT, "|%s|%d|%,d|%.1f%%|%s|%n", m.label(), m.layers(),
                    m.parameters(), 100.0 * m.parameters() / original.parameterCount(), relative(root, m.folder())));
        }
        md.append("\nParameters count what computes: an FFN replacement's zero attention weights are stored (so the "
                + "folder loads as a standard Llama) but not counted. The exported model (").append(MODEL)
                .append("/) is ").append(exported.label()).append(".\n\n");
        if (recipe.methods().contains(Recipe.Method.COME)) {
            md.append("## Distillation losses\n\n|Target|Stage|Layer|First loss|Last loss|Last epoch mean|Steps|\n"
                    + "|---:|---|---:|---:|---:|---:|---:|\n");
            for (int target : recipe.targets()) {
                JsonNode stages = readRun(run, root + "/distill-" + target);
                for (JsonNode l : stages.path(DistillJob.LAYERS_STAGE).path("layers")) {
                    md.append(lossRow(String.valueOf(target), "1 (layer)", l.path("layer").asText(), l));
                }
                JsonNode m = stages.path(DistillJob.MODEL_STAGE);
                if (m.has("steps")) {
                    md.append(lossRow(String.valueOf(target), "2 (model)", "all", m));
                }
            }
            md.append("\n");
        }
        if (recipe.streamline() != null) {
            md.append("## LLM-Streamline replacements\n\n|Block length|Replacement|Removed layers|Block cosine|"
                    + "First loss|Last loss|Last epoch mean|Steps|\n|---:|---|---|---:|---:|---:|---:|---:|\n");
            for (int n : recipe.streamline().blockLengths()) {
                for (Replacement kind : recipe.streamline().replacements()) {
                    JsonNode stages = readRun(run, root + "/" + streamlineFolder(kind, n));
                    JsonNode plan = stages.path(StreamlineJob.PRUNE_STAGE);
                    int first = plan.path("start").asInt();
                    md.append(String.format(java.util.Locale.ROOT, "|%d|%s|%d..%d|%.5f", n, kind.id(), first,
                            first + n - 1, plan.path("cosine").asDouble()));
                    md.append(lossRow("", "", "", stages.path(StreamlineJob.TRAIN_STAGE)).substring(3));
                }
            }
            md.append("\n");
        }
        md.append(run.readText(new Path(root + "/eval/" + EvalJob.REPORT + "/report.md")));
        return md.toString();
    }

    private static String lossRow(String target, String stage, String layer, JsonNode l) {
        return String.format(java.util.Locale.ROOT, "|%s|%s|%s|%.5f|%.5f|%.5f|%d|%n", target, stage, layer,
                l.path("first_loss").asDouble(), l.path("last_loss").asDouble(), l.path("last_epoch_loss").asDouble(),
                l.path("steps").asInt());
    }

    private static JsonNode readRun(RunFolder run, String folder) {
        try {
            return JSON.readTree(run.readText(new Path(folder, RunFolder.RUN_FILE))).path("stages");
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new StrataException(folder + "/" + RunFolder.RUN_FILE + ": not valid JSON");
        }
    }

    private static String relative(String root, String folder) {
        return folder.startsWith(root + "/") ? folder.substring(root.length() + 1) : HadoopFiles.display(HadoopFiles.path(folder));
    }
}
