package dev.strata.jobs.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.pipeline.tailor.ForestSampler;
import dev.strata.pipeline.tailor.Genotype;
import dev.strata.pipeline.tailor.InitialDesign;
import dev.strata.pipeline.tailor.Optimiser;
import dev.strata.pipeline.tailor.Proposal;
import dev.strata.pipeline.tailor.RandomSampler;
import dev.strata.pipeline.tailor.RandomSearch;
import dev.strata.pipeline.tailor.Result;
import dev.strata.pipeline.tailor.Sampler;
import dev.strata.pipeline.tailor.Scalarisation;
import dev.strata.pipeline.tailor.SearchSpace;
import dev.strata.pipeline.tailor.Surrogate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The random-forest surrogate (Spark MLlib) learns a cost it is shown, depends on its seed and data alone, and makes
 * the Bayesian search find a better candidate than random search with the same number of trials.
 */
class ForestSurrogatesTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = Sessions.start("local[2]", "test");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** A cost with structure a forest can learn: which layer is removed, variant 0's share, and lambda at layer 1. */
    private static double cost(Genotype g) {
        double c = g.removed().get(0);
        for (Genotype.Gene gene : g.genes()) {
            c += gene.removed() ? 0 : gene.variants()[0] ? 0 : 0.7;
        }
        Genotype.Gene second = g.genes().get(1);
        return c + (second.removed() ? 1 : Math.abs(second.lambda() - 0.8));
    }

    @Test
    void theForestLearnsWhatItIsShownAndDependsOnItsSeedAlone() {
        SearchSpace space = new SearchSpace(5, 2, 1);
        Random random = new Random(3);
        List<double[]> features = new ArrayList<>();
        List<Genotype> genotypes = new ArrayList<>();
        double[] costs = new double[300];
        for (int i = 0; i < costs.length; i++) {
            Genotype g = space.random(random);
            genotypes.add(g);
            features.add(space.features(g));
            costs[i] = cost(g);
        }
        ForestSurrogates forests = new ForestSurrogates(spark);
        Surrogate surrogate = forests.fit(features, costs, 11);
        double[][] predicted = surrogate.predict(features);
        double error = 0;
        for (int i = 0; i < costs.length; i++) {
            error += Math.abs(predicted[i][0] - costs[i]);
            assertTrue(predicted[i][1] >= 0);
        }
        double spread = java.util.Arrays.stream(costs).map(c -> Math.abs(c - 3)).average().orElseThrow();
        assertTrue(error / costs.length < 0.3 * spread, "mean error " + error / costs.length + " vs " + spread);

        double[][] again = forests.fit(features, costs, 11).predict(features.subList(0, 20));
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(predicted[i], again[i], 0.0, "another fit with the same seed and data");
        }
    }

    @Test
    void theBayesianSearchBeatsRandomSearchAtEqualTrials() {
        SearchSpace space = new SearchSpace(5, 2, 1);
        double forest = 0;
        double uniform = 0;
        for (long seed : new long[] {1, 2, 3}) {
            forest += best(new RandomSearch(new InitialDesign(List.of(), new ForestSampler(space,
                    new ForestSurrogates(spark), Scalarisation.MEAN)), 1, seed));
            uniform += best(new RandomSearch(new RandomSampler(space), 1, seed));
        }
        assertTrue(forest < uniform, "best cost, mean of 3 seeds: forest " + forest / 3 + ", random " + uniform / 3);
    }

    /** The lowest cost found in 40 trials, 4 per round. */
    private static double best(Optimiser optimiser) {
        double best = Double.POSITIVE_INFINITY;
        for (int round = 0; round < 10; round++) {
            for (Proposal p : optimiser.ask(4)) {
                double c = cost(p.genotype());
                optimiser.tell(p, Result.of(c));
                best = Math.min(best, c);
            }
        }
        return best;
    }
}
