package dev.strata.jobs.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.jobs.io.DataFiles;
import dev.strata.jobs.io.HadoopFiles;
import dev.strata.jobs.io.ModelFiles;
import dev.strata.jobs.io.RunFolder;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.Plan;
import dev.strata.pipeline.compress.Product;
import dev.strata.pipeline.eval.EvalParams;
import dev.strata.pipeline.eval.report.EvalReport;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.recipe.HeldOut;
import dev.strata.pipeline.recipe.Recipe;
import dev.strata.pipeline.settings.Settings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.hadoop.fs.Path;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.sql.SparkSession;

/**
 * Runs a recipe end to end in one run folder: every method in order through the {@link RunDriver} (which scores the
 * original once for all of them), then the evaluation of the original and every model the methods made, side by side
 * (OUT/eval), the export of the first method's smallest result (OUT/model) and the report (OUT/report.md, .json,
 * .html). Every setting of every method is checked against the model before the first stage; every stage resumes.
 */
public final class RecipeRunner {
    private static final Logger LOG = LogManager.getLogger(RecipeRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** @param stageSeconds wall time of every method and later stage of this run (near 0 for a stage reused) */
    public record Result(Path out, Path model, Map<String, Double> stageSeconds, String markdown) {
    }

    private RecipeRunner() {
    }

    /** The stage that fine-tunes a recipe's variants, by its name for {@code --until}. */
    public static final String VARIANTS = "variants";
    /** The stage that copies the exported model to OUT/model, by its name for {@code --until}. */
    public static final String EXPORT = "export";
    /** For {@code --until}: after the last method, whatever the recipe's methods are (a scheduler's fixed stages). */
    public static final String METHODS = "methods";

    /** The stages of a recipe in the order a run takes them: its variants (if any), its methods, eval, export, report. */
    public static List<String> stages(Recipe recipe) {
        List<String> stages = new ArrayList<>();
        if (!recipe.variants().isEmpty()) {
            stages.add(VARIANTS);
        }
        recipe.methods().forEach(m -> stages.add(m.method().name()));
        stages.addAll(List.of(RunLayout.EVAL, EXPORT, RunLayout.REPORT));
        return stages;
    }

    /**
     * Checks a recipe as a run does before it starts (the model's headers, the calibration text, every method's
     * settings against the model, the evaluation's tasks and data) without starting Spark or writing anything, and
     * describes its stages, one line each: what a scheduler validates before it runs the stages.
     */
    public static List<String> plan(Recipe recipe) {
        RunDriver.Inputs in = RunDriver.Inputs.check(recipe.run());
        in.calibration().version(HadoopFiles.configuration()); // the text exists and can be listed
        recipe.methods().forEach(m -> m.method().check(m.settings(), in.config()));
        recipe.methods().forEach(m -> RunDriver.requireLocalSearchData(m.settings()));
        EvalJob.check(recipe.evaluate());
        warnIfNotHeldOut(recipe);
        List<String> lines = new ArrayList<>();
        for (String stage : stages(recipe)) {
            lines.add(stage + ": " + describe(recipe, stage));
        }
        return lines;
    }

    /** Logs each evaluated text that the calibration or a variant's training also reads (the report says so too). */
    /** Logs each evaluated text that the calibration or a variant's training also reads; returns them. */
    private static List<String> warnIfNotHeldOut(Recipe recipe) {
        List<String> overlaps = HeldOut.overlaps(recipe);
        for (String overlap : overlaps) {
            LOG.warn("recipe {}: {} is measured on text its calibration or training also reads; give "
                    + "calibration.half: first and evaluate.half: second to hold it out", recipe.name(), overlap);
        }
        return overlaps;
    }

    private static String describe(Recipe recipe, String stage) {
        for (Recipe.Section m : recipe.methods()) {
            if (m.method().name().equals(stage)) {
                return m.method().describe(m.settings());
            }
        }
        return switch (stage) {
            case VARIANTS -> "fine-tune the variants " + recipe.variants().stream().map(v -> v.name()).toList();
            case RunLayout.EVAL -> "evaluate the original and every model made on "
                    + recipe.evaluate().get(EvalParams.TASKS);
            case EXPORT -> "copy the first method's smallest result to OUT/" + RunLayout.EXPORT;
            default -> "write report.md, report.html and report.json";
        };
    }

    /**
     * @param out the run folder, or null for the recipe's own
     * @param until the last stage to run ({@link #stages}), or null for all
     */
    public static Result run(Recipe recipe, String out, String until, Supplier<SparkSession> spark) {
        until = lastStage(recipe, until);
        try (RunDriver driver = RunDriver.open(recipe.run(), out != null ? out : recipe.out(), spark)) {
            recipe.methods().forEach(m -> driver.check(m.method(), m.settings()));
            EvalJob.check(recipe.evaluate());
            List<String> overlaps = warnIfNotHeldOut(recipe);
            Map<String, List<String>> texts = VariantMaker.texts(recipe.variants(), driver.folder(),
                    DataFiles.local(recipe.evaluate().get(EvalParams.DATA_DIR), HadoopFiles.configuration()));
            return run(recipe, driver, texts, overlaps, until, spark);
        }
    }

    /**
     * The stage {@code --until} names: one of {@link #stages}, {@value #VARIANTS} even for a recipe without variants
     * (nothing to do), or {@value #METHODS} for the last method; null for the whole recipe.
     */
    public static String lastStage(Recipe recipe, String until) {
        if (until == null) {
            return RunLayout.REPORT;
        }
        if (until.equals(METHODS)) {
            return recipe.methods().get(recipe.methods().size() - 1).method().name();
        }
        if (!until.equals(VARIANTS) && !stages(recipe).contains(until)) {
            throw new StrataException("--until '" + until + "' is not a stage of " + recipe.name() + " (expected "
                    + VARIANTS + ", " + METHODS + ", " + String.join(", ", stages(recipe).stream()
                            .filter(st -> !st.equals(VARIANTS)).toList()) + ")");
        }
        return until;
    }

    /** The whole recipe. */
    public static Result run(Recipe recipe, String out, Supplier<SparkSession> spark) {
        return run(recipe, out, null, spark);
    }

    private static Result stopped(RunDriver driver, String stage, Map<String, Double> seconds) {
        LOG.info("run: stopped after stage {} (--until); the next run of the recipe resumes from there", stage);
        return new Result(driver.folder().root(), null, seconds, "");
    }

    /** @param overlaps the evaluated texts the calibration or a variant also reads, for the report */
    private static Result run(Recipe recipe, RunDriver driver, Map<String, List<String>> variantTexts,
            List<String> overlaps, String until, Supplier<SparkSession> spark) {
        RunFolder folder = driver.folder();
        Map<String, Double> seconds = new LinkedHashMap<>();
        List<VariantMaker.Made> variants = recipe.variants().isEmpty() ? List.of() : timed("variants", seconds,
                () -> VariantMaker.make(recipe.variants(), variantTexts, folder, recipe.run(), spark));
        variants.forEach(v -> driver.nameModel(v.variant().name(), v.model()));
        if (until.equals(VARIANTS)) {
            return stopped(driver, until, seconds);
        }
        List<Product> products = new ArrayList<>();
        Map<String, String> methodOf = new LinkedHashMap<>();
        List<Product> first = null;
        for (Recipe.Section m : recipe.methods()) {
            List<Product> made = timed(m.method().name(), seconds, () -> driver.compress(m.method(), m.settings()));
            first = first == null ? made : first;
            products.addAll(made);
            made.forEach(p -> methodOf.put(p.label(), m.method().name()));
            if (until.equals(m.method().name())) {
                return stopped(driver, until, seconds);
            }
        }
        Set<String> labels = new HashSet<>();
        for (Product p : products) {
            if (!labels.add(p.label())) {
                throw new StrataException("recipe: two models are labelled '" + p.label() + "'");
            }
        }
        LlamaConfig config = driver.config();
        String original = "original " + config.numLayers() + "L";
        List<String> models = new ArrayList<>(List.of(driver.model()));
        List<String> names = new ArrayList<>(List.of(original));
        List<EvalReport.Profile> profiles = new ArrayList<>(List.of(new EvalReport.Profile("original",
                config.numLayers(), config.parameterCount())));
        for (Product p : products) {
            models.add(p.model().address());
            names.add(p.label());
            profiles.add(new EvalReport.Profile(methodOf.get(p.label()), p.layers(), p.parameters()));
        }
        Product exported = smallestResult(first, recipe.methods().get(0).method().name());
        Settings e = recipe.evaluate();
        String root = folder.root().toString();
        Path scores = driver.originalScoresFolder();
        EvalJob.Result evaluation = timed(RunLayout.EVAL, seconds, () -> EvalJob.run(EvalJob.Options.of(models,
                names, profiles, e, root + "/" + RunLayout.EVAL, HadoopFiles.exists(scores, folder.configuration())
                        ? scores.toString() : null), spark));
        if (until.equals(RunLayout.EVAL)) {
            return stopped(driver, until, seconds);
        }
        timed(RunLayout.EXPORT, seconds, () -> folder.once(RunLayout.EXPORT, () -> {
            Path staged = folder.staging(RunLayout.EXPORT);
            ModelFiles.write(ModelFolder.open(ModelFiles.local(HadoopFiles.path(exported.model().address()),
                    folder.configuration())), Map.of(Plan.FILE, exported.model().plan().toJson()), staged,
                    folder.configuration());
            folder.commit(staged, RunLayout.EXPORT);
            ObjectNode info = JSON.createObjectNode();
            info.put("model", exported.label());
            return info;
        }));
        if (until.equals(EXPORT)) {
            return stopped(driver, until, seconds);
        }
        timed(RunLayout.REPORT, seconds, () -> folder.once(RunLayout.REPORT, () -> {
            new RecipeReport(recipe, folder, config, original, variants, products, methodOf, exported,
                    driver.reportSections(), evaluation.report().get(), overlaps).write();
            return JSON.createObjectNode();
        }));
        LOG.info("recipe {}: model in {}, report in {}", recipe.name(), folder.path(RunLayout.EXPORT),
                folder.path("report.md"));
        return new Result(folder.root(), folder.path(RunLayout.EXPORT), seconds,
                folder.readText(folder.path("report.md")));
    }

    /** A method's smallest result (the later one of equal size): what a recipe exports of its first method. */
    private static Product smallestResult(List<Product> products, String method) {
        Product best = null;
        for (Product p : products) {
            if (p.result() && (best == null || p.parameters() <= best.parameters())) {
                best = p;
            }
        }
        if (best == null) {
            throw new StrataException("recipe: the method " + method + " made no model to export");
        }
        return best;
    }

    private static <T> T timed(String stage, Map<String, Double> seconds, Supplier<T> work) {
        long start = System.nanoTime();
        T result = work.get();
        seconds.put(stage, (System.nanoTime() - start) / 1e9);
        return result;
    }
}
