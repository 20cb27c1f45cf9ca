package dev.strata.pipeline.tailor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.tailor.Genotype.Gene;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SearchSpaceTest {

    static Gene kept(double lambda, boolean... mask) {
        return new Gene(false, mask, lambda);
    }

    static Gene gone(int variants) {
        return new Gene(true, new boolean[variants], 0);
    }

    @Test
    void refusesRemovalsThatLeaveNoLayerAndSpacesWithoutVariants() {
        assertEquals("'layers' 4 must lie in 0..3 (the base has 4 layers, and at least one must stay)",
                assertThrows(StrataException.class, () -> new SearchSpace(4, 2, 4)).getMessage());
        assertEquals("'layers' -1 must lie in 0..3 (the base has 4 layers, and at least one must stay)",
                assertThrows(StrataException.class, () -> new SearchSpace(4, 2, -1)).getMessage());
        assertEquals("'variants' must be at least 1, got 0",
                assertThrows(StrataException.class, () -> new SearchSpace(4, 0, 1)).getMessage());
    }

    @Test
    void checkSaysWhyAGenotypeIsOutside() {
        SearchSpace space = new SearchSpace(3, 2, 1);
        Genotype ok = new Genotype(List.of(kept(0.5, true, false), gone(2), kept(0, false, false)));
        assertTrue(space.contains(ok));
        space.check(ok);

        Genotype twoRemoved = new Genotype(List.of(gone(2), gone(2), kept(0, false, false)));
        assertFalse(space.contains(twoRemoved));
        assertEquals("genotype outside the search space: 2 layers removed, not 1",
                assertThrows(StrataException.class, () -> space.check(twoRemoved)).getMessage());
        assertEquals("genotype outside the search space: 2 genes for 3 layers", assertThrows(StrataException.class,
                () -> space.check(new Genotype(List.of(gone(2), kept(0, true, true))))).getMessage());
        assertEquals("genotype outside the search space: layer 2 has lambda 1.5 outside [0, 1]",
                assertThrows(StrataException.class, () -> space.check(
                        new Genotype(List.of(kept(0, true, true), gone(2), kept(1.5, true, true))))).getMessage());
        assertEquals("genotype outside the search space: layer 0 has a mask of 1 variants, not 2",
                assertThrows(StrataException.class, () -> space.check(
                        new Genotype(List.of(kept(0, true), gone(2), kept(0, true, true))))).getMessage());
        assertEquals("genotype outside the search space: removed layer 1 carries variants or a lambda",
                assertThrows(StrataException.class, () -> space.check(new Genotype(List.of(kept(0, true, true),
                        new Gene(true, new boolean[] {false, true}, 0), kept(0, true, true))))).getMessage());
    }

    @Test
    void featuresAreRemovedThenMaskBitsThenLambdaPerLayer() {
        SearchSpace space = new SearchSpace(3, 2, 1);
        Genotype g = new Genotype(List.of(kept(0.25, true, false), gone(2), kept(0.75, true, true)));
        assertEquals(12, space.featureCount());
        assertArrayEquals(new double[] {0, 1, 0, 0.25, 1, 0, 0, 0, 0, 1, 1, 0.75}, space.features(g));
    }

    @Test
    void warmStartsDropTheGivenLayersAndKeepTheBaseOrOneVariant() {
        SearchSpace space = new SearchSpace(4, 3, 2);
        assertEquals(new Genotype(List.of(gone(3), kept(0, false, false, false), gone(3), kept(0, false, false, false))),
                space.baseOnly(List.of(2, 0)));
        assertEquals(new Genotype(List.of(kept(1, false, true, false), gone(3), kept(1, false, true, false), gone(3))),
                space.variantOnly(1, List.of(1, 3)));
        assertEquals("genotype outside the search space: 1 layers removed, not 2",
                assertThrows(StrataException.class, () -> space.baseOnly(List.of(1))).getMessage());
        assertEquals("variant 3 must lie in 0..2",
                assertThrows(StrataException.class, () -> space.variantOnly(3, List.of(0, 1))).getMessage());
    }

    @Test
    void randomRemovesEverySubsetAboutEquallyOftenAndFlipsFairCoins() {
        // 4 layers, 2 removed: 6 subsets, each expected 6000 / 6 = 1000 times (sd about 29)
        SearchSpace space = new SearchSpace(4, 2, 2);
        Random r = new Random(7);
        Map<List<Integer>, Integer> subsets = new HashMap<>();
        int bits = 0;
        int keptGenes = 0;
        double lambdaSum = 0;
        for (int n = 0; n < 6000; n++) {
            Genotype g = space.random(r);
            assertTrue(space.contains(g));
            subsets.merge(g.removed(), 1, Integer::sum);
            for (int i : g.kept()) {
                Gene gene = g.genes().get(i);
                bits += gene.chosen().size();
                lambdaSum += gene.lambda();
                keptGenes++;
            }
        }
        assertEquals(6, subsets.size());
        subsets.values().forEach(count -> assertEquals(1000, count, 120));
        assertEquals(12000, keptGenes);
        assertEquals(0.5, bits / (2.0 * keptGenes), 0.01); // sd of the share about 0.0032
        assertEquals(0.5, lambdaSum / keptGenes, 0.01); // sd about 0.0026
    }

    @Test
    void randomIsAFunctionOfTheGeneratorsSeed() {
        SearchSpace space = new SearchSpace(6, 3, 2);
        assertEquals(space.random(new Random(11)), space.random(new Random(11)));
    }
}
