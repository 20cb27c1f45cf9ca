package dev.strata.pipeline.tailor;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.eval.Metrics;
import dev.strata.pipeline.eval.OptionScore;
import java.io.Serializable;
import java.util.List;

/**
 * A candidate's figures on part of one task, kept as sums so that the parts a trial's shards scored add up to the
 * figures of the whole ({@link #plus}; equal up to the order of summation, the shards running the whole's batches). Derived as the evaluation report derives them ({@link Metrics}); a figure the
 * task does not give is NaN.
 *
 * @param text true for a text task (windows, a perplexity ratio), false for a choice task
 * @param examples examples (windows for a text task) behind the figures
 * @param correct choice examples whose most likely option is the gold one (lm-eval's unnormalised "acc")
 * @param goldLoglikPerTokenSum summed over choice examples: the gold option's log-likelihood per token
 * @param loglik summed over a text's windows: the candidate's log-likelihood of their tokens
 * @param baseLoglik the same for the base model on the same windows
 * @param tokens tokens scored in those windows
 */
public record TaskFigures(String task, boolean text, int examples, int correct, double goldLoglikPerTokenSum,
        double loglik, double baseLoglik, long tokens) implements Serializable {

    /** Nothing scored (a shard with no examples of this task). */
    public static TaskFigures none(String task, boolean text) {
        return new TaskFigures(task, text, 0, 0, 0, 0, 0, 0);
    }

    /** The figures of a choice task's rows. */
    public static TaskFigures ofChoices(String task, List<OptionScore> rows) {
        int correct = 0;
        double perToken = 0;
        List<List<OptionScore>> examples = Metrics.byExample(rows);
        for (List<OptionScore> example : examples) {
            correct += Metrics.correct(example, false) ? 1 : 0;
            OptionScore gold = Metrics.gold(example);
            perToken += gold.loglik() / gold.tokens();
        }
        return new TaskFigures(task, false, examples.size(), correct, perToken, 0, 0, 0);
    }

    /** The figures of a text task's rows, against the base's rows of the same windows. */
    public static TaskFigures ofText(String task, List<OptionScore> rows, List<OptionScore> baseRows) {
        if (rows.size() != baseRows.size()) {
            throw new IllegalArgumentException(task + ": " + rows.size() + " windows, the base's " + baseRows.size());
        }
        return new TaskFigures(task, true, rows.size(), 0, 0, rows.stream().mapToDouble(OptionScore::loglik).sum(),
                baseRows.stream().mapToDouble(OptionScore::loglik).sum(),
                rows.stream().mapToLong(OptionScore::tokens).sum());
    }

    /** The figures of both parts together. */
    public TaskFigures plus(TaskFigures other) {
        if (!task.equals(other.task) || text != other.text) {
            throw new IllegalArgumentException("figures of " + task + " and " + other.task + " do not add up");
        }
        return new TaskFigures(task, text, examples + other.examples, correct + other.correct,
                goldLoglikPerTokenSum + other.goldLoglikPerTokenSum, loglik + other.loglik, baseLoglik + other.baseLoglik,
                tokens + other.tokens);
    }

    /** The accuracy (lm-eval's "acc") of a choice task. */
    public double acc() {
        return text ? Double.NaN : (double) correct / examples;
    }

    /** The mean over choice examples of the gold option's log-likelihood per token. */
    public double meanGoldLoglikPerToken() {
        return text ? Double.NaN : goldLoglikPerTokenSum / examples;
    }

    /** A text task's token perplexity over the base's on the same windows. */
    public double perplexityRatio() {
        return text ? Math.exp((baseLoglik - loglik) / tokens) : Double.NaN;
    }

    /** The figure to minimise: the perplexity ratio of a text task, else 1 - acc or minus the gold log-likelihood. */
    public double objective(ChoiceObjective kind) {
        if (examples == 0) {
            throw new StrataException(task + ": no examples were scored");
        }
        if (text) {
            return perplexityRatio();
        }
        return switch (kind) {
            case ERROR -> 1 - acc();
            case GOLD_LOGLIK -> -meanGoldLoglikPerToken();
        };
    }
}
