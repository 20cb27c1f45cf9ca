package dev.strata.pipeline.tailor;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.eval.Metrics;
import dev.strata.pipeline.eval.OptionScore;
import dev.strata.pipeline.eval.task.ChoiceTask;
import dev.strata.pipeline.eval.task.Measure;
import dev.strata.pipeline.eval.task.Task;
import dev.strata.pipeline.eval.task.TextTask;
import java.io.Serializable;
import java.util.List;

/**
 * A candidate's figures on one task's budget of examples, derived from its log-likelihood rows as the evaluation
 * report derives them ({@link Metrics}). A figure the task does not give is NaN.
 *
 * @param examples examples (windows for a text task) behind the figures
 * @param acc the task's accuracy (lm-eval's "acc"), choice tasks
 * @param goldLoglikPerToken the mean over examples of the gold option's log-likelihood per token, choice tasks
 * @param perplexityRatio the token perplexity over the base's on the same windows, text tasks
 */
public record TaskFigures(String task, int examples, double acc, double goldLoglikPerToken, double perplexityRatio)
        implements Serializable {

    /** The figures of a choice task's rows. */
    public static TaskFigures ofChoices(ChoiceTask task, List<OptionScore> rows) {
        Metrics.Value acc = Metrics.compute(task, rows).stream().filter(v -> v.measure().id().equals("acc")).findFirst()
                .orElseThrow(() -> new StrataException(task.name() + " reports no accuracy"));
        List<List<OptionScore>> examples = Metrics.byExample(rows);
        double perToken = examples.stream().map(Metrics::gold).mapToDouble(g -> g.loglik() / g.tokens()).average()
                .orElseThrow();
        return new TaskFigures(task.name(), examples.size(), acc.value(), perToken, Double.NaN);
    }

    /** The figures of a text task's rows, against the base's rows of the same windows. */
    public static TaskFigures ofText(TextTask task, List<OptionScore> rows, List<OptionScore> baseRows) {
        if (rows.size() != baseRows.size()) {
            throw new IllegalArgumentException(task.name() + ": " + rows.size() + " windows, the base's " + baseRows.size());
        }
        double ratio = tokenPerplexity(task, rows) / tokenPerplexity(task, baseRows);
        return new TaskFigures(task.name(), rows.size(), Double.NaN, Double.NaN, ratio);
    }

    private static double tokenPerplexity(Task task, List<OptionScore> rows) {
        return Metrics.compute(task, rows).stream().filter(v -> v.measure() == Measure.TOKEN_PERPLEXITY).findFirst()
                .orElseThrow(() -> new StrataException(task.name() + " reports no token perplexity")).value();
    }

    /** The figure to minimise: the perplexity ratio of a text task, else 1 - acc or minus the gold log-likelihood. */
    public double objective(ChoiceObjective kind) {
        if (!Double.isNaN(perplexityRatio)) {
            return perplexityRatio;
        }
        return switch (kind) {
            case ERROR -> 1 - acc;
            case GOLD_LOGLIK -> -goldLoglikPerToken;
        };
    }
}
