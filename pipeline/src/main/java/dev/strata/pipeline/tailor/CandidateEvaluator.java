package dev.strata.pipeline.tailor;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.eval.OptionScore;
import dev.strata.pipeline.eval.TaskScorer;
import dev.strata.pipeline.eval.task.ChoiceTask;
import dev.strata.pipeline.eval.task.Task;
import dev.strata.pipeline.eval.task.TextTask;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.tokenize.Tokenizer;
import dev.strata.pipeline.eval.DataHalf;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Scores candidates on a budget of each task: the first N examples of a choice task, the first N windows of a
 * text task, as the evaluation scores them ({@link TaskScorer}). What every candidate shares is computed once:
 * a task's examples, a text's tokens, and the base's rows of the windows a text task's ratio divides by.
 */
public final class CandidateEvaluator {
    private final LlamaModel base;
    private final Tokenizer tokenizer;
    private final Path dataDir;
    private final int batchTokens;
    private final DataHalf half;
    // filled once per key; ConcurrentHashMap so that a key being computed holds back only the tasks that need it
    private final Map<String, List<ChoiceTask.Example>> examples = new ConcurrentHashMap<>();
    private final Map<String, int[]> texts = new ConcurrentHashMap<>();
    private final Map<String, List<OptionScore>> baseRows = new ConcurrentHashMap<>();

    /**
     * @param tokenizer the base's (a candidate's layers share its vocabulary); the caller closes it
     * @param batchTokens tokens per forward pass
     * @param half the half of each task's data scored (the search scores the half no variant was trained on)
     */
    public CandidateEvaluator(LlamaModel base, Tokenizer tokenizer, Path dataDir, int batchTokens, DataHalf half) {
        this.base = base;
        this.tokenizer = tokenizer;
        this.dataDir = dataDir;
        this.batchTokens = batchTokens;
        this.half = half;
    }

    /**
     * The figures of {@code candidate} on shard {@code shard} of {@code shards} about equal, contiguous parts of the
     * first {@code budget} examples (windows of a text) of {@code task}, cut between the scorer's batches so that the
     * shards' figures add up to the whole's.
     */
    public TaskFigures figures(LlamaModel candidate, Task task, int budget, int shard, int shards) {
        if (budget < 1) {
            throw new StrataException(task.name() + ": a budget of " + budget + " examples scores nothing");
        }
        TaskScorer scorer = new TaskScorer(candidate, tokenizer, batchTokens);
        if (task instanceof ChoiceTask choice) {
            List<ChoiceTask.Example> all = examples(choice);
            int[] range = shardRange(Math.min(budget, all.size()), shard, shards, TaskScorer.GROUP);
            return range[0] == range[1] ? TaskFigures.none(task.name(), false)
                    : TaskFigures.ofChoices(task.name(), scorer.score(choice, all.subList(range[0], range[1])));
        }
        TextTask text = (TextTask) task;
        int[] tokens = tokens(text);
        int windows = Math.min(budget, TaskScorer.windows(tokens.length, base.config().maxPositions()));
        if (windows == 0) {
            throw new StrataException(task.name() + ": " + tokens.length + " tokens, fewer than one window of "
                    + base.config().maxPositions());
        }
        int[] range = shardRange(windows, shard, shards, Math.max(1, batchTokens / base.config().maxPositions()));
        return range[0] == range[1] ? TaskFigures.none(task.name(), true) : TaskFigures.ofText(task.name(),
                scorer.score(text, tokens, range[0], range[1]), baseRows(text, tokens, range[0], range[1]));
    }

    /**
     * Items [from, to) of shard {@code shard} of {@code shards} over {@code n} items, cut at multiples of {@code unit}
     * (the items the scorer batches together), so that every shard runs the batches the whole would run and the
     * shards' figures add up to the whole's (up to the order of summation).
     */
    static int[] shardRange(int n, int shard, int shards, int unit) {
        if (shard < 0 || shard >= shards) {
            throw new IllegalArgumentException("shard " + shard + " of " + shards);
        }
        long units = (n + (long) unit - 1) / unit;
        return new int[] {(int) Math.min(n, unit * (units * shard / shards)),
            (int) Math.min(n, unit * (units * (shard + 1) / shards))};
    }

    private List<ChoiceTask.Example> examples(ChoiceTask task) {
        return examples.computeIfAbsent(task.name(), k -> half.of(task.read(dataDir)));
    }

    private int[] tokens(TextTask task) {
        return texts.computeIfAbsent(task.name(), k -> tokenizer.encodeWithBos(half.of(task.read(dataDir))));
    }

    private List<OptionScore> baseRows(TextTask task, int[] tokens, int from, int to) {
        return baseRows.computeIfAbsent(task.name() + "@" + from + ".." + to,
                k -> new TaskScorer(base, tokenizer, batchTokens).score(task, tokens, from, to));
    }
}
