package dev.strata.pipeline.eval;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.eval.LoglikelihoodScorer.Request;
import dev.strata.pipeline.eval.LoglikelihoodScorer.Score;
import dev.strata.pipeline.eval.task.ChoiceTask;
import dev.strata.pipeline.eval.task.ChoiceTask.Example;
import dev.strata.pipeline.eval.task.TextTask;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.tokenize.Tokenizer;
import dev.strata.pipeline.util.Progress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores the examples of a task with one model, as rows of the log-likelihood table. Examples are batched in fixed
 * groups of {@link #GROUP} by example index, never across groups, so that any split of a task into shards of whole
 * groups runs the same batches and gives the same rows.
 */
public final class TaskScorer {
    /** Examples batched together at most; shards of a task are multiples of it. */
    public static final int GROUP = 16;

    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final LoglikelihoodScorer scorer;
    private final int batchTokens;

    /** @param batchTokens tokens per forward pass */
    public TaskScorer(LlamaModel model, Tokenizer tokenizer, int batchTokens) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.scorer = new LoglikelihoodScorer(model, batchTokens);
        this.batchTokens = batchTokens;
    }

    /** Tokens fed through the model so far for choice tasks (padding excluded). */
    public long fedTokens() {
        return scorer.fedTokens();
    }

    /** The options of one example that share a context, scored by one request. */
    private record Group(Example example, int[] options) {
    }

    /** Rows for every option of {@code examples}; an example's options that share a context share its pass. */
    public List<OptionScore> score(ChoiceTask task, List<Example> examples) {
        PairEncoder encoder = new PairEncoder(tokenizer);
        List<Request> requests = new ArrayList<>();
        List<Group> groups = new ArrayList<>();
        for (Example e : examples) {
            Map<String, List<Integer>> byContext = new LinkedHashMap<>();
            for (int o = 0; o < e.options().size(); o++) {
                byContext.computeIfAbsent(e.options().get(o).context(), k -> new ArrayList<>()).add(o);
            }
            byContext.forEach((context, options) -> {
                List<int[]> continuations = new ArrayList<>();
                int[] contextTokens = null;
                for (int o : options) {
                    int[][] pair = encoder.encode(context, e.options().get(o).continuation());
                    contextTokens = pair[0];
                    continuations.add(pair[1]);
                }
                requests.add(new Request(contextTokens, continuations));
                groups.add(new Group(e, options.stream().mapToInt(Integer::intValue).toArray()));
            });
        }
        Progress progress = new Progress(task.name(), examples.size(), "examples");
        List<List<Score>> scores = new ArrayList<>();
        int first = 0;
        while (first < requests.size()) {
            int group = groups.get(first).example().index() / GROUP;
            int end = first;
            while (end < requests.size() && groups.get(end).example().index() / GROUP == group) {
                end++;
            }
            List<Request> part = requests.subList(first, end);
            scores.addAll(scorer.score(part));
            progress.advance(groups.subList(first, end).stream().map(Group::example).distinct().count(),
                    part.stream().mapToLong(r -> r.context().length
                            + r.continuations().stream().mapToLong(c -> c.length).sum()).sum());
            first = end;
        }
        List<OptionScore> rows = new ArrayList<>();
        for (int r = 0; r < requests.size(); r++) {
            Group g = groups.get(r);
            for (int i = 0; i < g.options().length; i++) {
                int o = g.options()[i];
                Score s = scores.get(r).get(i);
                rows.add(new OptionScore(task.name(), g.example().index(), o, s.loglik(), s.tokens(),
                        g.example().options().get(o).chars(), o == g.example().gold(), s.greedy()));
            }
        }
        rows.sort(Comparator.comparingInt(OptionScore::example).thenComparingInt(OptionScore::option));
        return rows;
    }

    /**
     * Rows for windows [from, to) of a text, given as its tokens (one BOS first, as {@code encodeWithBos} gives them):
     * windows of the model's context, the last partial one dropped, each window's first token context only.
     */
    public List<OptionScore> score(TextTask task, int[] tokens, int from, int to) {
        int seqLen = model.config().maxPositions();
        int windows = windows(tokens.length, seqLen);
        if (to > windows) {
            throw new StrataException(task.name() + ": windows " + from + ".." + (to - 1) + " asked for, the text has " + windows);
        }
        List<int[]> cut = new ArrayList<>();
        for (int w = from; w < to; w++) {
            cut.add(Arrays.copyOfRange(tokens, w * seqLen, (w + 1) * seqLen));
        }
        List<OptionScore> rows = new ArrayList<>();
        if (cut.isEmpty()) {
            return rows;
        }
        int batch = Math.max(1, batchTokens / seqLen);
        double[] nll = Perplexity.windowNlls(model, cut, batch, new Progress(task.name(), cut.size(), "windows"));
        for (int i = 0; i < nll.length; i++) {
            rows.add(new OptionScore(task.name(), from + i, 0, -nll[i], seqLen - 1, 0, true, false));
        }
        return rows;
    }

    /** Windows of {@code seqLen} in a stream of {@code tokens} (the last partial one dropped). */
    public static int windows(int tokens, int seqLen) {
        return tokens / seqLen;
    }
}
