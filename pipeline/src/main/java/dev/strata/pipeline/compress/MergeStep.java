package dev.strata.pipeline.compress;

import java.util.List;

/**
 * One merge of a progressive CoMe run: layers {@code pair} and {@code pair + 1} of the model before the step
 * (standing for {@code originalA} and {@code originalB}) became layer {@code pair}.
 *
 * @param step 1 for the first merge
 * @param pairMetric the score that chose the pair (e.g. "angular") and its value
 * @param blockInfluenceA BI of layer a on the calibration data, as {@code blockInfluenceB} of b
 * @param ratioA the share of the width layer a keeps, r_a = BI_a / (BI_a + BI_b)
 */
public record MergeStep(int step, int pair, List<Integer> originalA, List<Integer> originalB, String pairMetric,
        double pairScore, double blockInfluenceA, double blockInfluenceB, double ratioA, int kvGroupsA, int kvGroupsB,
        int mlpNeuronsA, int mlpNeuronsB) {

    public MergeStep {
        originalA = List.copyOf(originalA);
        originalB = List.copyOf(originalB);
    }
}
