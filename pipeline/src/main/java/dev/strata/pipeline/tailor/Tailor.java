package dev.strata.pipeline.tailor;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.Compressed;
import dev.strata.pipeline.compress.CompressionMethod;
import dev.strata.pipeline.compress.CompressionRun;
import dev.strata.pipeline.compress.Need;
import dev.strata.pipeline.compress.Product;
import dev.strata.pipeline.compress.StoredModel;
import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.eval.EvalParams;
import dev.strata.pipeline.eval.task.Tasks;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.merge.ArchitectureCheck;
import dev.strata.pipeline.merge.MergeOperators;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.ModelWeights;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.Metric;
import dev.strata.pipeline.settings.Param;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * GPTailor: a zero-order search over which layers to remove and, per kept layer, which fine-tuned variants to take
 * and with what lambda (their task arithmetic with the base, or another merge operator). Each round the optimiser
 * proposes a batch of candidates, which the run evaluates in parallel (one Spark task each) on the held-out half of
 * the tasks; each round is a step of the run, so a rerun replays the rounds done and goes on with the same proposals.
 * The best candidate at the full budget is exported with its plan; {@link SearchRounds} evaluates and records the
 * rounds, {@link SearchReport} reports the search.
 */
public final class Tailor implements CompressionMethod {
    public static final Param<Integer> LAYERS = Param.integer("layers", null, "Layers removed (exactly this many).")
            .required().check(Param.atLeast(1));
    public static final Param<List<String>> VARIANTS = Param.texts("variants", null,
            "The fine-tuned variants of the model: folders, or the names of a recipe's variants.").required();
    public static final Param<String> MERGE = Param.text("merge", "task_arithmetic",
            "How a layer that takes several variants merges them with the base (a merge operator).")
            .check(Tailor::operatorProblem);
    public static final Param<SearchOptimiser> OPTIMISER = Param.choice("optimiser", SearchOptimiser.values(),
            SearchOptimiser.HYPERBAND, "random (every trial at the full budget) or hyperband (successive halving "
                + "over the number of evaluation examples, eta 3).");
    public static final Param<SearchSampler> SAMPLER = Param.choice("sampler", SearchSampler.values(),
            SearchSampler.FOREST, "Where new candidates come from: random, or forest (Bayesian optimisation: a "
                + "random-forest surrogate and expected improvement over sampled candidates, SMAC-style).");
    public static final Param<Integer> TRIALS = Param.integer("trials", 200, "Trials in all.").check(Param.atLeast(1));
    public static final Param<Integer> BATCH = Param.integer("batch", 4,
            "Candidates evaluated per round, in parallel (one Spark task each).").flag("--round-size")
            .check(Param.atLeast(1));
    public static final Param<Integer> SHARDS = Param.integer("shards", 1, "Spark tasks per candidate, each scoring "
            + "an equal part of every task's examples (more than 1 where executors outnumber a round's candidates).")
            .check(Param.atLeast(1));
    public static final Param<List<String>> TASKS = Param.texts("tasks", List.of("arc_easy", "piqa"),
            "Tasks of the objective, one objective each (several: ParEGO scalarisation).").check(Tasks::problem);
    public static final Param<Integer> MIN_BUDGET = Param.integer("min_budget", 16,
            "Evaluation examples per task of hyperband's first stage.").check(Param.atLeast(1));
    public static final Param<Integer> MAX_BUDGET = Param.integer("max_budget", 144,
            "Evaluation examples per task at the full budget.").check(Param.atLeast(1));
    public static final Param<Boolean> REFERENCES = Param.bool("references", true, "After the search, score the "
            + "exported candidate on the whole held-out half of each task, beside the base and every variant with "
            + "each block of `layers` adjacent layers removed (the report shows each one's best).");
    public static final Param<Integer> SEED = Param.integer("seed", 1234, "Seed of every proposal.")
            .flag("--search-seed");
    public static final Param<DataHalf> HALF = Param.choice("half", DataHalf.values(), DataHalf.SECOND,
            "The half of each task the search scores (the variants of a recipe train on the first).");
    public static final Param<String> DATA_DIR = Param.text("data_dir", EvalParams.DATA_DIR.fallback(),
            "Local folder with the task data, laid out as ../shared/data, on every node (the executors read it).")
            .label("DIR");
    private static final Params PARAMS = Params.of(LAYERS, VARIANTS, MERGE, OPTIMISER, SAMPLER, TRIALS, BATCH, SHARDS, TASKS,
            ChoiceObjective.PARAM, MIN_BUDGET, MAX_BUDGET, REFERENCES, SEED, HALF, DATA_DIR);
    /** Tokens per forward pass of a trial's evaluation. */
    public static final int BATCH_TOKENS = 2048;
    private static final Logger LOG = LogManager.getLogger(Tailor.class);

    /** The optimisers offered. */
    public enum SearchOptimiser {
        RANDOM, HYPERBAND
    }

    /** Where new candidates come from. */
    public enum SearchSampler {
        RANDOM, FOREST
    }

    @Override
    public String name() {
        return "tailor";
    }

    @Override
    public String summary() {
        return "GPTailor: a zero-order search over layer removal, per-layer choice among fine-tuned variants and "
                + "their merge.";
    }

    @Override
    public Params params() {
        return PARAMS;
    }

    @Override
    public Set<Need> needs(Settings settings) {
        return EnumSet.of(Need.WINDOWS, Need.SCORES); // the lowest-BI layers warm-start the search
    }

    @Override
    public void check(Settings s, LlamaConfig model) {
        int removed = s.get(LAYERS);
        if (removed >= model.numLayers()) {
            throw s.invalid(LAYERS, removed + " must lie in 1.." + (model.numLayers() - 1) + " (the model has "
                    + model.numLayers() + " layers, and at least one must stay)");
        }
        if (s.get(MIN_BUDGET) > s.get(MAX_BUDGET)) {
            throw s.invalid(MIN_BUDGET, s.get(MIN_BUDGET) + " must not exceed " + s.name(MAX_BUDGET) + " "
                    + s.get(MAX_BUDGET));
        }
        String merge = MergeOperators.get(s.get(MERGE), s.name(MERGE)).countProblem(s.get(VARIANTS).size());
        if (merge != null && s.get(VARIANTS).size() > 1) {
            throw s.invalid(MERGE, "'" + s.get(MERGE) + "' " + merge + ", but there are " + s.get(VARIANTS).size()
                    + " variants");
        }
    }

    /** Shards only spread the work, and references are only added to the report: a rerun may change them. */
    @Override
    public ObjectNode identity(Settings s) {
        ObjectNode identity = s.toJson();
        identity.remove(List.of(SHARDS.key(), REFERENCES.key()));
        return identity;
    }

    @Override
    public String describe(Settings s) {
        return String.format(Locale.ROOT, "removes %d layers and chooses, per kept layer, among the base and the "
                + "variants %s (merged by %s) by a %s search of %d trials on the %s half of %s (%s objective)",
                s.get(LAYERS), String.join(", ", s.get(VARIANTS)), s.get(MERGE), s.get(OPTIMISER).name().toLowerCase(
                        Locale.ROOT), s.get(TRIALS), s.get(HALF).id(), String.join(", ", s.get(TASKS)),
                s.get(ChoiceObjective.PARAM));
    }

    @Override
    public List<Product> compress(CompressionRun run, Settings s) {
        LlamaConfig config = run.config();
        List<String> variants = s.get(VARIANTS).stream().map(run::modelNamed).toList();
        for (int m = 0; m < variants.size(); m++) {
            String difference = ArchitectureCheck.configDifference(config, run.configOf(variants.get(m)), true);
            if (difference != null) {
                throw s.invalid(VARIANTS, "'" + s.get(VARIANTS).get(m) + "' does not match the model: "
                        + difference);
            }
        }
        SearchSpace space = new SearchSpace(config.numLayers(), variants.size(), s.get(LAYERS));
        Optimiser optimiser = optimiser(s, space, warmStart(space, run.originalScores(), variants.size()),
                run.surrogates());
        SearchRounds rounds = new SearchRounds(run, s, variants);
        List<Trial> trials = new ArrayList<>();
        for (int round = 0; trials.size() < s.get(TRIALS); round++) {
            List<Proposal> asked = optimiser.ask(Math.min(s.get(BATCH), s.get(TRIALS) - trials.size()));
            List<Trial> told = rounds.round(round, asked);
            told.forEach(t -> optimiser.tell(t.proposal(), t.result()));
            trials.addAll(told);
            Trial best = best(trials, s.get(MAX_BUDGET));
            LOG.info("tailor: {} of {} trials; best at the full budget: {}", trials.size(), s.get(TRIALS),
                    best == null ? "none yet" : Result.of(best.result().objectives()));
        }
        Trial best = best(trials, s.get(MAX_BUDGET));
        if (best == null) {
            throw new StrataException(s.name(TRIALS) + " " + s.get(TRIALS) + ": no trial reached the full budget ("
                    + s.name(MAX_BUDGET) + " " + s.get(MAX_BUDGET) + "); give more trials");
        }
        List<SearchReport.Reference> whole = s.get(REFERENCES)
                ? rounds.references(space, best.proposal().genotype()) : List.of();
        String what = String.format(Locale.ROOT, "%s with the %s sampler, %d candidates a round, seed %d",
                s.get(OPTIMISER).name().toLowerCase(Locale.ROOT), s.get(SAMPLER).name().toLowerCase(Locale.ROOT),
                s.get(BATCH), s.get(SEED));
        run.report(new SearchReport(what, s.get(TASKS), s.get(ChoiceObjective.PARAM), trials, s.get(MAX_BUDGET))
                .section(best, whole.isEmpty() ? null : whole.get(0), whole.isEmpty() ? List.of()
                        : whole.subList(1, whole.size())));
        int layers = config.numLayers() - s.get(LAYERS);
        StoredModel tailored = run.model("best", () -> export(run, s, variants, best.proposal().genotype()));
        return List.of(Product.of("tailor " + layers + "L", tailored, true, "the best of " + trials.size()
                + " trials: " + GenotypeJson.write(best.proposal().genotype()), config));
    }

    /** Warm start: the lowest-BI layers removed, with the base's layers kept, or every variant's. */
    private static List<Genotype> warmStart(SearchSpace space, LayerScores scores, int variants) {
        List<Integer> lowest = IntStream.range(0, space.layers()).boxed()
                .sorted(Comparator.comparingDouble(l -> scores.layer(Metric.BLOCK_INFLUENCE, l)))
                .limit(space.removed()).sorted().toList();
        List<Genotype> warm = new ArrayList<>(List.of(space.baseOnly(lowest)));
        for (int m = 0; m < variants; m++) {
            warm.add(space.variantOnly(m, lowest));
        }
        return warm;
    }

    private static Optimiser optimiser(Settings s, SearchSpace space, List<Genotype> warm, Surrogate.Fitter forests) {
        long seed = s.get(SEED);
        int tasks = s.get(TASKS).size();
        Scalarisation scalarisation = tasks == 1 ? Scalarisation.MEAN : new ParEgo(tasks, seed);
        Sampler fresh = s.get(SAMPLER) == SearchSampler.FOREST ? new ForestSampler(space, forests, scalarisation)
                : new RandomSampler(space);
        Sampler sampler = new InitialDesign(warm, fresh);
        if (s.get(OPTIMISER) == SearchOptimiser.RANDOM) {
            return new RandomSearch(sampler, s.get(MAX_BUDGET), seed);
        }
        return new Hyperband(new HyperbandSchedule(s.get(MIN_BUDGET), s.get(MAX_BUDGET), 3), sampler, scalarisation,
                seed);
    }

    /** The trial at the full budget with the lowest mean objective (the earliest of equals), or null. */
    static Trial best(List<Trial> trials, int fullBudget) {
        Trial best = null;
        double bestCost = Double.POSITIVE_INFINITY;
        for (Trial t : trials) {
            if (t.proposal().budget() < fullBudget) {
                continue;
            }
            double cost = t.result().mean();
            if (cost < bestCost) {
                best = t;
                bestCost = cost;
            }
        }
        return best;
    }

    /**
     * The candidate as a view of the stored base and variants, with its plan: written tensor by tensor, no model
     * loaded on the driver.
     */
    private static Compressed export(CompressionRun run, Settings s, List<String> variants, Genotype genotype) {
        LayerMerge merge = LayerMerge.defaults(MergeOperators.get(s.get(MERGE), s.name(MERGE)), variants.size());
        ModelWeights base = run.open(run.original().address());
        List<ModelWeights> stored = variants.stream().<ModelWeights>map(run::open).toList();
        return new Compressed(CandidateExport.of(base, stored, merge, genotype),
                CandidatePlan.of(genotype, merge, base.config()));
    }

    private static String operatorProblem(String name) {
        return MergeOperators.names().contains(name) ? null
                : "'" + name + "' is not a merge operator (expected one of " + String.join(", ", MergeOperators.names())
                        + ")";
    }
}
