package dev.strata.pipeline.tailor;

import static dev.strata.pipeline.tailor.SearchSpaceTest.gone;
import static dev.strata.pipeline.tailor.SearchSpaceTest.kept;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.strata.pipeline.StrataException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GenotypeJsonTest {

    @Test
    void writesOneEntryPerBaseLayerWithNullWhereRemovedAndReadsItBack() {
        Genotype g = new Genotype(List.of(kept(0.4, true, false, true), kept(0, false, false, false), gone(3),
                kept(1, false, true, false)));
        String text = GenotypeJson.write(g);
        assertEquals("{\"removed\":[2],\"layers\":[{\"variants\":[0,2],\"lambda\":0.4},"
                + "{\"variants\":[],\"lambda\":0.0},null,{\"variants\":[1],\"lambda\":1.0}]}", text);
        assertEquals(g, GenotypeJson.read(text, 3));
    }

    @Test
    void randomGenotypesRoundTripExactly() {
        SearchSpace space = new SearchSpace(8, 3, 3);
        Random r = new Random(3);
        for (int n = 0; n < 50; n++) {
            Genotype g = space.random(r);
            String text = GenotypeJson.write(g);
            assertEquals(g, GenotypeJson.read(text, 3));
            assertEquals(text, GenotypeJson.write(GenotypeJson.read(text, 3)));
        }
    }

    @Test
    void refusesTextThatDisagreesWithItselfOrTheVariants() {
        assertEquals("genotype JSON: 'removed' [1] disagrees with the null layers [0]", assertThrows(
                StrataException.class, () -> GenotypeJson.read("{\"removed\":[1],\"layers\":[null,"
                        + "{\"variants\":[],\"lambda\":0}]}", 2)).getMessage());
        assertEquals("genotype JSON: layer 0 names variant 2, expected 0..1", assertThrows(StrataException.class,
                () -> GenotypeJson.read("{\"removed\":[],\"layers\":[{\"variants\":[2],\"lambda\":0}]}", 2))
                .getMessage());
        assertEquals("genotype JSON: layer 0 has no numeric 'lambda'", assertThrows(StrataException.class,
                () -> GenotypeJson.read("{\"removed\":[],\"layers\":[{\"variants\":[1]}]}", 2)).getMessage());
        assertEquals("genotype JSON: 'layers' must be an array", assertThrows(StrataException.class,
                () -> GenotypeJson.read("{\"removed\":[]}", 2)).getMessage());
    }
}
