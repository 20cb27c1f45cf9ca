package dev.strata.pipeline.tailor;

import dev.strata.pipeline.StrataException;
import java.io.Serializable;
import java.util.Arrays;

/**
 * What one evaluation measured: one objective per task, to minimise (1 - accuracy in GPTailor), always in the same
 * task order. A failed evaluation should be told as the worst value, not left out, or its slot is asked again.
 */
public record Result(double[] objectives) implements Serializable {

    public Result {
        if (objectives.length == 0) {
            throw new StrataException("a result needs at least one objective");
        }
        for (double v : objectives) {
            if (!Double.isFinite(v)) {
                throw new StrataException("objective " + v + " is not a finite number: " + Arrays.toString(objectives));
            }
        }
        objectives = objectives.clone();
    }

    public static Result of(double... objectives) {
        return new Result(objectives);
    }

    @Override
    public double[] objectives() {
        return objectives.clone();
    }

    public double objective(int task) {
        return objectives[task];
    }

    public int size() {
        return objectives.length;
    }

    /** The mean of the objectives: what the search's exported candidate minimises. */
    public double mean() {
        return mean(objectives);
    }

    /** The mean of one objective vector (in order, so that equal vectors give equal means to the bit). */
    public static double mean(double[] objectives) {
        double sum = 0;
        for (double v : objectives) {
            sum += v;
        }
        return sum / objectives.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Result r && Arrays.equals(objectives, r.objectives);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(objectives);
    }

    @Override
    public String toString() {
        return Arrays.toString(objectives);
    }
}
