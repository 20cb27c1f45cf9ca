package dev.strata.pipeline.tailor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.compress.CompressionRun;
import dev.strata.pipeline.settings.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The search's work on the run: candidates evaluated as Spark tasks (one per candidate and shard) and recorded, a
 * round as a step of the run (its trials in run.json and in the table search/trials), so that a rerun reads the
 * rounds done instead of evaluating them again and checks that they are the ones proposed now.
 */
final class SearchRounds {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A reference's source when it is not a variant (whose position it is otherwise). */
    private static final int TAILORED = -2;
    private static final int BASE = -1;
    private static final Logger LOG = LogManager.getLogger(SearchRounds.class);

    private final CompressionRun run;
    private final Settings s;
    private final List<String> variants;

    /** @param variants the variants' addresses, in the settings' order */
    SearchRounds(CompressionRun run, Settings settings, List<String> variants) {
        this.run = run;
        this.s = settings;
        this.variants = List.copyOf(variants);
    }

    /** Round {@code round}: the proposals {@code asked} evaluated (or read back) and told as trials. */
    List<Trial> round(int round, List<Proposal> asked) {
        JsonNode record = run.step(String.format(Locale.ROOT, "round-%04d", round), () -> evaluate(asked, round));
        return told(record, asked, variants.size(), round);
    }

    /**
     * A round: every proposal evaluated in its own task; its record lists the trials, which the trials table
     * (search/trials/round=NNNN, one row per trial and task) holds too.
     */
    private ObjectNode evaluate(List<Proposal> asked, int round) {
        List<TrialTask.Outcome> outcomes = outcomes(asked.stream().map(Proposal::genotype).toList(),
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
    private List<TrialTask.Outcome> outcomes(List<Genotype> candidates, List<Integer> budgets, String label) {
        int shards = s.get(Tailor.SHARDS);
        List<TrialTask> tasks = new ArrayList<>();
        for (int c = 0; c < candidates.size(); c++) {
            for (int shard = 0; shard < shards; shard++) {
                tasks.add(new TrialTask(run.original().address(), variants, s.get(Tailor.MERGE), candidates.get(c),
                        budgets.get(c), s.get(Tailor.TASKS), s.get(Tailor.DATA_DIR), s.get(Tailor.HALF),
                        Tailor.BATCH_TOKENS, shard, shards));
            }
        }
        List<TrialTask.Outcome> parts = run.runTasks(label, tasks);
        List<TrialTask.Outcome> outcomes = new ArrayList<>();
        for (int c = 0; c < candidates.size(); c++) {
            outcomes.add(TrialTask.Outcome.of(parts.subList(c * shards, (c + 1) * shards)));
        }
        return outcomes;
    }

    private static List<Map<String, Object>> tableRows(List<Proposal> asked,
            List<TrialTask.Outcome> outcomes, ChoiceObjective objective) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < asked.size(); i++) {
            Proposal p = asked.get(i);
            TrialTask.Outcome o = outcomes.get(i);
            for (int t = 0; t < o.figures().size(); t++) {
                TaskFigures f = o.figures().get(t);
                Map<String, Object> row = new LinkedHashMap<>();
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
    List<SearchReport.Reference> references(SearchSpace space, Genotype tailored) {
        List<Genotype> candidates = new ArrayList<>(List.of(tailored));
        List<Integer> sources = new ArrayList<>(List.of(TAILORED));
        for (int m = BASE; m < variants.size(); m++) {
            for (int first = 0; first + space.removed() <= space.layers(); first++) {
                List<Integer> block = IntStream.range(first, first + space.removed()).boxed().toList();
                candidates.add(m == BASE ? space.baseOnly(block) : space.variantOnly(m, block));
                sources.add(m);
            }
        }
        JsonNode record = run.step("references", () -> {
            LOG.info("tailor: scoring {} references, each on every example of each task's held-out half "
                    + "(--no-references skips them)", candidates.size());
            List<TrialTask.Outcome> outcomes = outcomes(candidates,
                    candidates.stream().map(c -> Integer.MAX_VALUE).toList(), "references");
            ObjectNode node = JSON.createObjectNode();
            ArrayNode rows = node.putArray("references");
            for (int c = 0; c < candidates.size(); c++) {
                ObjectNode row = rows.addObject();
                row.put("source", sourceName(sources.get(c)));
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
        if (rows.size() != candidates.size()) {
            throw new StrataException("the references of this folder's search hold " + rows.size() + " models, not "
                    + "the " + candidates.size() + " asked now: it was made with other settings; use another folder");
        }
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
            out.add(new SearchReport.Reference(sources.get(c), sourceName(sources.get(c)), candidates.get(c).removed(),
                    objectives, examples));
        }
        return out;
    }

    /** The name of a reference's source: the tailored candidate, the base, or a variant by its position. */
    private String sourceName(int source) {
        return source == TAILORED ? "tailored" : source == BASE ? "base" : s.get(Tailor.VARIANTS).get(source);
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
}
