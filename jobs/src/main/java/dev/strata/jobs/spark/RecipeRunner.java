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
 * Runs a CoMe recipe end to end: calibrate and merge progressively (OUT/merge), distill every target
 * (OUT/distill-K), the one-shot removal baselines (OUT/prune-METHOD-K), evaluate the original and every result
 * side by side (OUT/eval), export the smallest distilled model (OUT/model) and write OUT/report.md,
 * OUT/report.json and OUT/report.html. Each stage is its own run folder, which resumes its own finished work (or refuses, naming the
 * key, when the recipe changed what it was run with); export and report are done once.
 */
public final class RecipeRunner {
    public static final String KIND = "recipe";
    public static final String MODEL = "model";
    private static final Logger LOG = LogManager.getLogger(RecipeRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** @param stageSeconds wall time of every stage of this run (0 for a stage skipped as finished) */
    public record Result(Path out, Path model, Map<String, Double> stageSeconds, String markdown) {
    }

    /** A model the report compares; {@code label} names it, {@code folder} holds it. */
    private record Entry(String label, String folder, int layers) {
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
        ObjectNode inputs = JSON.createObjectNode();
        inputs.put("name", recipe.name());
        inputs.put("model", model);
        RunFolder run = RunFolder.open(out != null ? out : recipe.out(), "--out", KIND, inputs);
        String root = run.root().toString();
        Map<String, Double> seconds = new LinkedHashMap<>();
        List<Entry> merged = new ArrayList<>();
        List<Entry> distilled = new ArrayList<>();
        List<Entry> baselines = new ArrayList<>();
        Recipe.Calibration cal = recipe.calibration();

        int smallest = recipe.targets().get(recipe.targets().size() - 1);
        job(run, "merge", seconds, () -> MergeJob.run(new MergeJob.Options(model, cal.data(), root + "/merge",
                cal.seqLen(), cal.samples(), cal.seed(), cal.batch(), null, smallest, null, recipe.merge().pairMetric(),
                recipe.merge().noRemerge(), null), spark));
        for (int target : recipe.targets()) {
            String student = root + "/merge/" + MergeJob.modelPath(layers - target);
            merged.add(new Entry("come merge " + target + "L", student, target));
            String distillOut = root + "/distill-" + target;
            Recipe.Distill d = recipe.distill();
            job(run, "distill-" + target, seconds, () -> DistillJob.run(new DistillJob.Options(model, student,
                    student + "/" + MergePlan.FILE, cal.data(), distillOut, cal.seqLen(), d.samples(), cal.seed(),
                    d.layers(), d.model(), d.klWeight(), d.hiddenWeight()), spark));
            distilled.add(new Entry("come merge+distill " + target + "L", distillOut + "/"
                    + (d.model() == null ? DistillJob.STAGE1_MODEL : DistillJob.FINAL_MODEL), target));
            for (LayerRemoval b : recipe.baselines()) {
                String pruneOut = root + "/prune-" + b.id() + "-" + target;
                job(run, "prune-" + b.id() + "-" + target, seconds, () -> PruneJob.run(new PruneJob.Options(model,
                        cal.data(), pruneOut, cal.seqLen(), cal.samples(), cal.seed(), cal.batch(), null, b,
                        layers - target, null, null), spark));
                baselines.add(new Entry("prune " + b.id() + " " + target + "L", pruneOut + "/" + PruneJob.FINAL_MODEL,
                        target));
            }
        }
        List<Entry> all = new ArrayList<>();
        all.add(new Entry("original " + layers + "L", model, layers));
        all.addAll(merged);
        all.addAll(distilled);
        all.addAll(baselines);
        Recipe.Evaluate e = recipe.evaluate();
        job(run, "eval", seconds, () -> EvalJob.run(new EvalJob.Options(all.stream().map(Entry::folder).toList(),
                all.stream().map(Entry::label).toList(), String.join(",", e.tasks()), e.limit(), e.dataDir(),
                root + "/eval", 2048, 64, root + "/merge/" + MergeJob.scoresPath(0)), spark));
        Entry product = distilled.get(distilled.size() - 1);
        once(run, "export", seconds, () -> {
            Path staged = run.staging(MODEL);
            ModelFiles.write(ModelFolder.read(ModelFiles.local(HadoopFiles.path(product.folder()), run.configuration())),
                    Map.of(), staged, run.configuration());
            run.commit(staged, MODEL);
            return null;
        });
        once(run, "report", seconds, () -> {
            run.writeText(run.path("report.md"), report(recipe, run, all, config));
            for (String file : List.of("report.html", "report.json")) {
                run.writeText(run.path(file), run.readText(new Path(root + "/eval/" + EvalJob.REPORT + "/" + file)));
            }
            return null;
        });
        LOG.info("recipe {}: model in {}, report in {}", recipe.name(), run.path(MODEL), run.path("report.md"));
        return new Result(run.root(), run.path(MODEL), seconds, run.readText(run.path("report.md")));
    }

    /** Runs a stage's job, which skips what its own run folder has finished; records the wall time. */
    private static void job(RunFolder run, String name, Map<String, Double> seconds, Supplier<?> work) {
        timed(run, name, seconds, work);
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

    private static void timed(RunFolder run, String name, Map<String, Double> seconds, Supplier<?> work) {
        long start = System.nanoTime();
        LOG.info("recipe: {} ...", name);
        work.get();
        double s = (System.nanoTime() - start) / 1e9;
        ObjectNode info = JSON.createObjectNode();
        info.put("seconds", s);
        run.markDone(name, info);
        seconds.put(name, s);
        LOG.info("recipe: {} done in {} s", name, String.format("%.1f", s));
    }

    /** The report: what each model is, then the evaluation's tables. */
    private static String report(Recipe recipe, RunFolder run, List<Entry> models, LlamaConfig original) {
        String root = run.root().toString();
        StringBuilder md = new StringBuilder("# ").append(recipe.name()).append("\n\n");
        md.append("CoMe (").append(recipe.merge().pairMetric().id()).append(" pair metric")
                .append(recipe.merge().noRemerge() ? ", no re-merging" : "").append(") on ").append(recipe.model())
                .append(", calibrated and distilled on ").append(recipe.calibration().data()).append(".\n\n");
        md.append("|Model|Layers|Parameters|Kept|Folder|\n|---|---:|---:|---:|---|\n");
        for (Entry m : models) {
            long params = original.withNumLayers(m.layers()).parameterCount();
            md.append(String.format(java.util.Locale.ROOT, "|%s|%d|%,d|%.1f%%|%s|%n", m.label(), m.layers(), params,
                    100.0 * params / original.parameterCount(), relative(root, m.folder())));
        }
        md.append("\nThe exported model (").append(MODEL).append("/) is the last row of merge+distill.\n\n");
        md.append("## Distillation losses\n\n|Target|Stage|Layer|First loss|Last loss|Last epoch mean|Steps|\n"
                + "|---:|---|---:|---:|---:|---:|---:|\n");
        for (int target : recipe.targets()) {
            JsonNode stages = readRun(run, root + "/distill-" + target);
            for (JsonNode l : stages.path(DistillJob.LAYERS_STAGE).path("layers")) {
                md.append(lossRow(target, "1 (layer)", l.path("layer").asText(), l));
            }
            JsonNode m = stages.path(DistillJob.MODEL_STAGE);
            if (m.has("steps")) {
                md.append(lossRow(target, "2 (model)", "all", m));
            }
        }
        md.append("\n").append(run.readText(new Path(root + "/eval/" + EvalJob.REPORT + "/report.md")));
        return md.toString();
    }

    private static String lossRow(int target, String stage, String layer, JsonNode l) {
        return String.format(java.util.Locale.ROOT, "|%d|%s|%s|%.5f|%.5f|%.5f|%d|%n", target, stage, layer,
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
