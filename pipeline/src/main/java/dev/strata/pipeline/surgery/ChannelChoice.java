package dev.strata.pipeline.surgery;

import dev.strata.pipeline.StrataException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Which channels of two adjacent layers a concatenation merge keeps: layer a its top {@code round(r_a * n)} KV
 * groups and MLP neurons by sensitivity, layer b the complement counts of its own top channels, with
 * {@code r_a = BI_a / (BI_a + BI_b)}. Indices are ascending within each layer (the merged layer lists a's channels,
 * then b's); rounding is half to even, as Python's round.
 */
public record ChannelChoice(double ratioA, int[] groupsA, int[] groupsB, int[] neuronsA, int[] neuronsB) {

    /** Channel sensitivities of one layer: per KV group and per MLP neuron (higher = more important). */
    public record Sensitivity(double[] kvGroups, double[] mlpNeurons) {
    }

    /** CoMe's split: {@code r_a} from the two layers' block influence, channels by their sensitivity. */
    public static ChannelChoice come(double biA, double biB, Sensitivity a, Sensitivity b) {
        if (!(biA >= 0) || !(biB >= 0) || !(biA + biB > 0)) {
            throw new StrataException("block influence of the pair must be non-negative and not both zero, got "
                    + biA + " and " + biB);
        }
        return withRatio(biA / (biA + biB), a, b);
    }

    /** The split for a given ratio {@code r_a} in [0, 1]. */
    public static ChannelChoice withRatio(double ratioA, Sensitivity a, Sensitivity b) {
        if (!(ratioA >= 0 && ratioA <= 1)) {
            throw new StrataException("split ratio r_a must lie in [0, 1], got " + ratioA);
        }
        int groups = a.kvGroups().length;
        int neurons = a.mlpNeurons().length;
        if (b.kvGroups().length != groups || b.mlpNeurons().length != neurons) {
            throw new StrataException("the two layers have different widths: " + groups + " and " + b.kvGroups().length
                    + " KV groups, " + neurons + " and " + b.mlpNeurons().length + " MLP neurons");
        }
        int keepGroupsA = (int) Math.rint(ratioA * groups);
        int keepNeuronsA = (int) Math.rint(ratioA * neurons);
        return new ChannelChoice(ratioA, top(a.kvGroups(), keepGroupsA), top(b.kvGroups(), groups - keepGroupsA),
                top(a.mlpNeurons(), keepNeuronsA), top(b.mlpNeurons(), neurons - keepNeuronsA));
    }

    /** The {@code k} highest-scoring indices (ties to the lower index), in ascending order. */
    static int[] top(double[] scores, int k) {
        for (double s : scores) {
            if (Double.isNaN(s)) {
                throw new StrataException("channel sensitivity is NaN: rescore the model");
            }
        }
        return IntStream.range(0, scores.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> -scores[i]).thenComparingInt(i -> i))
                .limit(k).mapToInt(Integer::intValue).sorted().toArray();
    }

    @Override
    public String toString() {
        return "r_a=" + ratioA + " groups a" + Arrays.toString(groupsA) + " b" + Arrays.toString(groupsB) + ", neurons "
                + neuronsA.length + "+" + neuronsB.length;
    }
}
