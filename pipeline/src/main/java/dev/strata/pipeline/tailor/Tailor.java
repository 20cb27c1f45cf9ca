package dev.strata.pipeline.tailor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
 * The best candidate at the full budget is exported with its plan.
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
            "Local folder with the task data, laid out as ../shared/data.").label("DIR");
    private static final Params PARAMS = Params.of(LAYERS, VARIANTS, MERGE, OPTIMISER, SAMPLER, TRIALS, BATCH, SHARDS, TASKS,
            ChoiceObjective.PARAM, MIN_BUDGET, MAX_BUDGET, REFERENCES, SEED, HALF, DATA_DIR);
    /** Tokens per forward pass of a trial's evaluation. */
    public static final int BATCH_TOKENS = 2048;
    private static final ObjectMapper JSON = new ObjectMapper();
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
        List<Trial> trials = new ArrayList<>();
        for (int next = 0; trials.size() < s.get(TRIALS); next++) {
            int round = next;
            List<Proposal> asked = optimiser.ask(Math.min(s.get(BATCH), s.get(TRIALS) - trials.size()));
            JsonNode record = run.step(String.format(Locale.ROOT, "round-%04d", round),
                    () -> evaluate(run, s, variants, asked, round));
            List<Trial> told = told(record, asked, variants.size(), round);
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
                ? references(run, s, variants, space, best.proposal().genotype()) : List.of();
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

    /**
     * A round: every proposal evaluated in its own task; its record lists the trials, which the trials table
     * (search/trials/round=NNNN, one row per trial and task) holds too.
     */
    private static ObjectNode evaluate(CompressionRun run, Settings s, List<String> variants, List<Proposal> asked,
            int round) {
        List<TrialTask.Outcome> outcomes = outcomes(run, s, variants, asked.stream().map(Proposal::genotype).toList(),
                asked.stream().map(Proposal::budget).toList(), "trials");
        ObjectNode record = JSON.createObjectNode();
        ArrayNode rows = record.putArray("trials");
        for (int i = 0; i < asked.size(); i++) {
            Proposal p = asked.get(i);
            TrialTask.Outcome o = outcomes.get(i);
            ObjectNode row = rows.addObject();
            row.put("id", p.id());
            row.put("budget", p.budget());
            row.set("genotype", GenotypeJson.node(p.genotype()));
            ArrayNode objectives = row.putArray("objectives");
            for (double v : o.objectives(s.get(ChoiceObjective.PARAM))) {
                objectives.add(v);
            }
            ArrayNode figures = row.putArray("figures");
            for (TaskFigures f : o.figures()) {
                figures.addObject().put("task", f.task()).put("examples", f.examples()).put("acc", f.acc())
                        .put("gold_loglik_per_token", f.meanGoldLoglikPerToken()).put("ppl_ratio", f.perplexityRatio());
            }
            row.put("assembly_seconds", o.assemblySeconds());
            row.put("evaluation_seconds", o.evaluationSeconds());
            row.put("executor", o.executor());
        }
        run.writeTablePart("trials", String.format(Locale.ROOT, "round=%04d", round), tableRows(asked, outcomes,
                s.get(ChoiceObjective.PARAM)));
        return record;
    }

    /**
     * Every candidate scored on its budget, one Spark task per candidate and shard; the outcomes in the candidates'
     * order, each added up from its shards.
     */
    private static List<TrialTask.Outcome> outcomes(CompressionRun run, Settings s, List<String> variants,
            List<Genotype> candidates, List<Integer> budgets, String label) {
        int shards = s.get(SHARDS);
        List<TrialTask> tasks = new ArrayList<>();
        for (int c = 0; c < candidates.size(); c++) {
            for (int shard = 0; shard < shards; shard++) {
                tasks.add(new TrialTask(run.original().address(), variants, s.get(MERGE), candidates.get(c),
                        budgets.get(c), s.get(TASKS), s.get(DATA_DIR), s.get(HALF), BATCH_TOKENS, shard, shards));
            }
        }
        List<TrialTask.Outcome> parts = run.runTasks(label, tasks);
        List<TrialTask.Outcome> outcomes = new ArrayList<>();
        for (int c = 0; c < candidates.size(); c++) {
            outcomes.add(TrialTask.Outcome.of(parts.subList(c * shards, (c + 1) * shards)));
        }
        return outcomes;
    }

    private static List<java.util.Map<String, Object>> tableRows(List<Proposal> asked,
            List<TrialTask.Outcome> outcomes, ChoiceObjective objective) {
        List<java.util.Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < asked.size(); i++) {
            Proposal p = asked.get(i);
            TrialTask.Outcome o = outcomes.get(i);
            for (int t = 0; t < o.figures().size(); t++) {
                TaskFigures f = o.figures().get(t);
                java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
                row.put("trial", p.id());
                row.put("budget", p.budget());
                row.put("genotype", GenotypeJson.write(p.genotype()));
                row.put("removed", p.genotype().removed().toString());
                row.put("task", f.task());
                row.put("examples", f.examples());
                row.put("objective", f.objective(objective));
                row.put("acc", f.acc());
                row.put("gold_loglik_per_token", f.meanGoldLoglikPerToken());
                row.put("ppl_ratio", f.perplexityRatio());
                row.put("assembly_seconds", o.assemblySeconds());
                row.put("evaluation_seconds", o.evaluationSeconds());
                row.put("executor", o.executor());
                rows.add(row);
            }
        }
        return rows;
    }

    /**
     * The exported candidate (first) and, for comparison, the base and each variant alone with each block of
     * adjacent layers removed, scored on every example of each task's held-out half: a step, so a rerun reads them.
     */
    private static List<SearchReport.Reference> references(CompressionRun run, Settings s, List<String> variants,
            SearchSpace space, Genotype tailored) {
        List<Genotype> candidates = new ArrayList<>(List.of(tailored));
        List<String> sources = new ArrayList<>(List.of("tailored"));
        for (int m = -1; m < variants.size(); m++) {
            for (int first = 0; first + space.removed() <= space.layers(); first++) {
                List<Integer> block = IntStream.range(first, first + space.removed()).boxed().toList();
                candidates.add(m < 0 ? space.baseOnly(block) : space.variantOnly(m, block));
                sources.add(m < 0 ? "base" : s.get(VARIANTS).get(m));
            }
        }
        JsonNode record = run.step("references", () -> {
            List<TrialTask.Outcome> outcomes = outcomes(run, s, variants, candidates,
                    candidates.stream().map(c -> Integer.MAX_VALUE).toList(), "references");
            ObjectNode node = JSON.createObjectNode();
            ArrayNode rows = node.putArray("references");
            for (int c = 0; c < candidates.size(); c++) {
                ObjectNode row = rows.addObject();
                row.put("source", sources.get(c));
                row.set("genotype", GenotypeJson.node(candidates.get(c)));
                ArrayNode objectives = row.putArray("objectives");
                ArrayNode examples = row.putArray("examples");
                for (TaskFigures f : outcomes.get(c).figures()) {
                    objectives.add(f.objective(s.get(ChoiceObjective.PARAM)));
                    examples.add(f.examples());
                }
            }
            return node;
        });
        JsonNode rows = record.path("references");
        List<SearchReport.Reference> out = new ArrayList<>();
        for (int c = 0; c < candidates.size(); c++) {
            JsonNode row = rows.path(c);
            if (!GenotypeJson.read(row.path("genotype"), variants.size()).equals(candidates.get(c))) {
                throw new StrataException("the references of this folder's search were made for another candidate: "
                        + "it was made with other settings; use another folder");
            }
            double[] objectives = new double[row.path("objectives").size()];
            int[] examples = new int[objectives.length];
            for (int t = 0; t < objectives.length; t++) {
                objectives[t] = row.path("objectives").get(t).asDouble();
                examples[t] = row.path("examples").get(t).asInt();
            }
            out.add(new SearchReport.Reference(sources.get(c), candidates.get(c).removed(), objectives, examples));
        }
        return out;
    }

    /** The trials of a round's record, checked against what the optimiser asked (a replay must ask the same). */
    private static List<Trial> told(JsonNode record, List<Proposal> asked, int variants, int round) {
        JsonNode rows = record.path("trials");
        if (rows.size() != asked.size()) {
            throw new StrataException("round " + round + " of this folder's search holds " + rows.size() + " trials, "
                    + "not the " + asked.size() + " asked now: it was made with other settings; use another folder");
        }
        List<Trial> out = new ArrayList<>();
        for (int i = 0; i < asked.size(); i++) {
            JsonNode row = rows.get(i);
            Proposal p = asked.get(i);
            if (!row.path("id").asText().equals(p.id()) || row.path("budget").asInt() != p.budget()
                    || !GenotypeJson.read(row.get("genotype"), variants).equals(p.genotype())) {
                throw new StrataException("trial " + row.path("id").asText() + " of this folder's search is not the "
                        + "one proposed now (" + p.id() + "): it was made with other settings; use another folder");
            }
            double[] objectives = new double[row.path("objectives").size()];
            for (int t = 0; t < objectives.length; t++) {
                objectives[t] = row.path("objectives").get(t).asDouble();
            }
            out.add(new Trial(p, Result.of(objectives)));
        }
        return out;
    }

    /** The trial at the full budget with the lowest mean objective (the earliest of equals), or null. */
    static Trial best(List<Trial> trials, int fullBudget) {
        Trial best = null;
        double bestCost = Double.POSITIVE_INFINITY;
        for (Trial t : trials) {
            if (t.proposal().budget() < fullBudget) {
                continue;
            }
            double cost = Scalarisation.MEAN.costs(List.of(t.result().objectives()), List.of(), 0)[0];
            if (cost < bestCost) {
                best = t;
                bestCost = cost;
            }
        }
        return best;
    }

    /** The candidate assembled on the driver, as a checkpoint with its plan. */
    private static Compressed export(CompressionRun run, Settings s, List<String> variants, Genotype genotype) {
        List<LlamaModel> loaded = new ArrayList<>();
        try {
            loaded.add(LlamaModel.fromCheckpoint(run.read(run.original().address()), ai.djl.Device.cpu()));
            for (String v : variants) {
                loaded.add(LlamaModel.fromCheckpoint(run.read(v), ai.djl.Device.cpu()));
            }
            CandidateAssembler assembler = new CandidateAssembler(loaded.get(0), loaded.subList(1, loaded.size()),
                    LayerMerge.defaults(MergeOperators.get(s.get(MERGE), s.name(MERGE)), variants.size()));
            try (Candidate candidate = assembler.assemble(genotype)) {
                return new Compressed(candidate.toCheckpoint(), candidate.plan());
            }
        } finally {
            loaded.forEach(LlamaModel::close);
        }
    }

    private static String operatorProblem(String name) {
        return MergeOperators.names().contains(name) ? null
                : "'" + name + "' is not a merge operator (expected one of " + String.join(", ", MergeOperators.names())
                        + ")";
    }
}
