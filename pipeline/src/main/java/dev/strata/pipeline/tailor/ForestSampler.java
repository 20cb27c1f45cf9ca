package dev.strata.pipeline.tailor;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Bayesian optimisation's proposals, SMAC-style: a surrogate (a random forest) is fitted to the costs told so far, a
 * pool of random candidates is drawn, and those with the largest expected improvement over the best cost are
 * proposed. Until enough trials are told, and for candidates already seen, it falls back to random ones. Costs are
 * those of the largest budget with enough trials (else of every trial): a cost at 16 examples says less than at 144.
 */
public record ForestSampler(SearchSpace space, Surrogate.Fitter fitter, Scalarisation scalarisation, int pool,
        int minTold) implements Sampler {
    public static final int POOL = 500;
    public static final int MIN_TOLD = 8;

    public ForestSampler(SearchSpace space, Surrogate.Fitter fitter, Scalarisation scalarisation) {
        this(space, fitter, scalarisation, POOL, MIN_TOLD);
    }

    @Override
    public List<Genotype> sample(int count, History history, Random random) {
        List<Trial> fitted = fittedTrials(history.told());
        if (fitted.size() < minTold) {
            return new RandomSampler(space).sample(count, history, random);
        }
        List<double[]> features = fitted.stream().map(t -> space.features(t.proposal().genotype())).toList();
        List<double[]> objectives = fitted.stream().map(t -> t.result().objectives()).toList();
        double[] costs = scalarisation.costs(objectives, objectives, history.told().size());
        Surrogate surrogate = fitter.fit(features, costs, random.nextLong());
        double best = java.util.Arrays.stream(costs).min().orElseThrow();

        Set<Genotype> seen = new HashSet<>(history.genotypes());
        List<Genotype> candidates = new ArrayList<>();
        for (int i = 0; i < pool * 4 && candidates.size() < pool; i++) {
            Genotype g = space.random(random);
            if (seen.add(g)) {
                candidates.add(g);
            }
        }
        double[][] predicted = surrogate.predict(candidates.stream().map(space::features).toList());
        List<Integer> byImprovement = IntStream.range(0, candidates.size()).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -ExpectedImprovement.of(predicted[i][0],
                        predicted[i][1], best)).thenComparingInt(i -> i))
                .toList();
        List<Genotype> out = new ArrayList<>();
        for (int i = 0; i < Math.min(count, byImprovement.size()); i++) {
            out.add(candidates.get(byImprovement.get(i)));
        }
        while (out.size() < count) { // the pool ran out of unseen candidates (a tiny space)
            out.add(space.random(random));
        }
        return out;
    }

    /** The trials of the largest budget told at least {@link #minTold} times, else every trial. */
    private List<Trial> fittedTrials(List<Trial> told) {
        int budget = told.stream().map(t -> t.proposal().budget()).distinct().sorted(Comparator.reverseOrder())
                .filter(b -> told.stream().filter(t -> t.proposal().budget() == b).count() >= minTold)
                .findFirst().orElse(-1);
        return budget < 0 ? told : told.stream().filter(t -> t.proposal().budget() == budget).toList();
    }
}
