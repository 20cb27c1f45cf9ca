package dev.strata.pipeline.tailor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.strata.pipeline.eval.DataHalf;
import dev.strata.pipeline.eval.EvalParams;
import dev.strata.pipeline.eval.OptionScore;
import dev.strata.pipeline.eval.TaskScorer;
import dev.strata.pipeline.eval.task.ChoiceTask;
import dev.strata.pipeline.eval.task.Tasks;
import dev.strata.pipeline.eval.task.TextTask;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.settings.Settings;
import dev.strata.pipeline.testing.TinyModels;
import dev.strata.pipeline.tokenize.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A candidate's figures on the shared model and real task data: the base-only candidate's acc and gold
 * log-likelihood per token follow, by the formulas written out here, from the rows TaskScorer gives the base; its
 * perplexity ratio to the base is exactly 1, and removing a layer raises it.
 */
class CandidateEvaluatorTest {
    private static final int BUDGET = 32;
    private static final int BATCH_TOKENS = 1024;

    private static LlamaModel base;
    private static Tokenizer tokenizer;
    private static Path data;

    @BeforeAll
    static void load() {
        base = LlamaModel.load(TinyModels.STORIES, Device.cpu());
        tokenizer = Tokenizer.load(TinyModels.STORIES, base.config());
        data = Path.of(Settings.fromFlags(EvalParams.PARAMS, Map.of()).get(EvalParams.DATA_DIR));
    }

    @AfterAll
    static void close() {
        tokenizer.close();
        base.close();
    }

    private static Genotype baseOnly(int layers, int removed) {
        return new Genotype(IntStream.range(0, layers)
                .mapToObj(l -> new Genotype.Gene(l == removed, new boolean[0], 0)).toList());
    }

    @Test
    void baseOnlyChoiceFiguresFollowFromTheBasesRows() {
        ChoiceTask copa = (ChoiceTask) Tasks.parse("copa").get(0);
        List<OptionScore> rows = new TaskScorer(base, tokenizer, BATCH_TOKENS)
                .score(copa, copa.read(data).subList(0, BUDGET));
        double correct = 0;
        double perToken = 0;
        for (int e = 0; e < BUDGET; e++) {
            int example = e;
            List<OptionScore> options = rows.stream().filter(r -> r.example() == example).toList();
            OptionScore best = options.get(0);
            OptionScore gold = null;
            for (OptionScore o : options) {
                best = o.loglik() > best.loglik() ? o : best;
                gold = o.gold() ? o : gold;
            }
            correct += best.gold() ? 1 : 0;
            perToken += gold.loglik() / gold.tokens();
        }
        double acc = correct / BUDGET;
        double goldPerToken = perToken / BUDGET;

        CandidateEvaluator evaluator = new CandidateEvaluator(base, tokenizer, data, BATCH_TOKENS, DataHalf.ALL);
        try (Candidate c = new CandidateAssembler(base, List.of()).assemble(baseOnly(5, -1))) {
            TaskFigures figures = evaluator.figures(c.model(), copa, BUDGET, 0, 1);
            assertEquals(BUDGET, figures.examples());
            assertEquals(acc, figures.acc(), 1e-12);
            assertEquals(goldPerToken, figures.meanGoldLoglikPerToken(), 1e-9);
            assertEquals(1 - acc, figures.objective(ChoiceObjective.ERROR), 1e-12);
            assertEquals(-goldPerToken, figures.objective(ChoiceObjective.GOLD_LOGLIK), 1e-9);
            assertTrue(Double.isNaN(figures.perplexityRatio()));
        }
    }

    @Test
    void theObjectiveIsChosenByNameAndDefaultsToTheError() {
        dev.strata.pipeline.settings.Params params = dev.strata.pipeline.settings.Params.of(ChoiceObjective.PARAM);
        assertEquals(ChoiceObjective.ERROR, Settings.fromFlags(params, Map.of()).get(ChoiceObjective.PARAM));
        assertEquals(ChoiceObjective.GOLD_LOGLIK,
                Settings.fromFlags(params, Map.of("--objective", "gold-loglik")).get(ChoiceObjective.PARAM));
    }

    @Test
    void baseOnlyPerplexityRatioIsExactlyOneAndRemovalRaisesIt() {
        TextTask stories = (TextTask) Tasks.parse("tinystories").get(0);
        CandidateEvaluator evaluator = new CandidateEvaluator(base, tokenizer, data, BATCH_TOKENS, DataHalf.ALL);
        try (Candidate same = new CandidateAssembler(base, List.of()).assemble(baseOnly(5, -1));
                Candidate pruned = new CandidateAssembler(base, List.of()).assemble(baseOnly(5, 2))) {
            TaskFigures figures = evaluator.figures(same.model(), stories, 3, 0, 1);
            assertEquals(3, figures.examples());
            assertEquals(1.0, figures.perplexityRatio());
            assertEquals(1.0, figures.objective(ChoiceObjective.ERROR));
            assertEquals(1.0, figures.objective(ChoiceObjective.GOLD_LOGLIK));
            assertTrue(evaluator.figures(pruned.model(), stories, 3, 0, 1).perplexityRatio() > 1);
        }
    }

    @Test
    void shardsAddUpToTheWholeBudget() {
        CandidateEvaluator evaluator = new CandidateEvaluator(base, tokenizer, data, BATCH_TOKENS, DataHalf.SECOND);
        try (Candidate pruned = new CandidateAssembler(base, List.of()).assemble(baseOnly(5, 3))) {
            // budgets spanning several of the scorer's batches (16 examples; 2 windows of 512 in 1024 tokens)
            for (String name : List.of("copa", "tinystories")) {
                dev.strata.pipeline.eval.task.Task task = Tasks.parse(name).get(0);
                int budget = name.equals("copa") ? 40 : 7;
                TaskFigures whole = evaluator.figures(pruned.model(), task, budget, 0, 1);
                TaskFigures added = TaskFigures.none(name, task instanceof TextTask);
                for (int shard = 0; shard < 3; shard++) {
                    added = added.plus(evaluator.figures(pruned.model(), task, budget, shard, 3));
                }
                assertEquals(budget, added.examples(), name);
                assertEquals(whole.correct(), added.correct(), name); // the same batches: the same choices
                for (ChoiceObjective objective : ChoiceObjective.values()) {
                    assertEquals(whole.objective(objective), added.objective(objective), 1e-12, name);
                }
            }
            // more shards than batches: the empty ones score nothing
            TaskFigures empty = evaluator.figures(pruned.model(), Tasks.parse("copa").get(0), 10, 0, 3);
            assertEquals(0, empty.examples());
        }
    }

    @Test
    void shardRangesCoverTheItemsOnceInOrderAtBatchBoundaries() {
        int next = 0;
        for (int shard = 0; shard < 3; shard++) {
            int[] range = CandidateEvaluator.shardRange(40, shard, 3, 16);
            assertEquals(next, range[0]);
            assertEquals(0, range[0] % 16);
            next = range[1];
        }
        assertEquals(40, next);
        assertEquals(List.of(0, 16), IntStream.of(CandidateEvaluator.shardRange(40, 0, 3, 16)).boxed().toList());
        assertEquals(List.of(16, 32), IntStream.of(CandidateEvaluator.shardRange(40, 1, 3, 16)).boxed().toList());
        assertEquals(List.of(0, 0), IntStream.of(CandidateEvaluator.shardRange(10, 0, 3, 16)).boxed().toList());
        assertEquals(List.of(0, 10), IntStream.of(CandidateEvaluator.shardRange(10, 2, 3, 16)).boxed().toList());
        assertEquals(List.of(5, 10), IntStream.of(CandidateEvaluator.shardRange(10, 1, 2, 1)).boxed().toList());
    }
}
