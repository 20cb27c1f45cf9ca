package dev.strata.pipeline.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.LayerScores.ChannelKind;
import dev.strata.pipeline.score.LayerScores.ChannelScore;
import dev.strata.pipeline.score.Metric;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Comparisons of score tables: against the reference computation, and against each other. */
public final class ScoreAssertions {
    private ScoreAssertions() {
    }

    /** Every layer, block and channel score of {@code actual} equals the reference to {@code tolerance} relative. */
    public static void assertMatchesReference(ReferenceScores expected, LlamaConfig config, List<int[]> windows,
            LayerScores actual, double tolerance) {
        int layers = config.numLayers();
        assertEquals(windows.stream().mapToLong(w -> w.length).sum(), actual.tokens());
        assertEquals(windows.size(), actual.sequences());
        Errors errors = new Errors(tolerance);
        for (int l = 0; l < layers; l++) {
            errors.check("BI " + l, expected.blockInfluence[l], actual.layer(Metric.BLOCK_INFLUENCE, l));
        }
        for (int l = 0; l <= layers; l++) {
            errors.check("norm " + l, expected.hiddenNorm[l], actual.layer(Metric.HIDDEN_NORM, l));
        }
        for (int j = 0; j + 2 <= layers; j++) {
            errors.check("pair last " + j, expected.angleLast[j][j + 2], actual.layer(Metric.PAIR_ANGULAR_LAST, j));
            errors.check("pair all " + j, expected.angleAll[j][j + 2], actual.layer(Metric.PAIR_ANGULAR_ALL, j));
        }
        int blocks = 0;
        for (int n = 1; n < layers; n++) {
            for (int j = 0; j + n <= layers; j++) {
                errors.check("cosine " + j + "+" + n, expected.cosine[j][j + n], actual.block(Metric.COSINE, j, n));
                errors.check("angular all " + j + "+" + n, expected.angleAll[j][j + n], actual.block(Metric.ANGULAR_ALL, j, n));
                errors.check("angular last " + j + "+" + n, expected.angleLast[j][j + n], actual.block(Metric.ANGULAR_LAST, j, n));
                blocks++;
            }
        }
        assertEquals(3 * blocks, actual.blocks().size());
        for (ChannelScore s : actual.channels()) {
            double want = s.kind() == ChannelKind.MLP ? expected.mlp[s.layer()][s.index()]
                    : expected.attention[s.layer()][s.index()];
            errors.check(s.kind().id() + " " + s.layer() + "/" + s.index(), want, s.value());
        }
        assertEquals(layers * (config.intermediateSize() + config.numKvHeads()), actual.channels().size());
        errors.assertWithin();
    }

    /** The same rows, every value equal to {@code tolerance} relative. */
    public static void assertSameScores(LayerScores expected, LayerScores actual, double tolerance) {
        assertEquals(expected.tokens(), actual.tokens());
        assertEquals(expected.sequences(), actual.sequences());
        Errors errors = new Errors(tolerance);
        compareRows(errors, expected.layers(), actual.layers(), LayerScores.LayerScore::value);
        compareRows(errors, expected.blocks(), actual.blocks(), LayerScores.BlockScore::value);
        compareRows(errors, expected.channels(), actual.channels(), ChannelScore::value);
        errors.assertWithin();
    }

    private static <T> void compareRows(Errors errors, List<T> expected, List<T> actual, ToDoubleFunction<T> value) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            errors.check(expected.get(i).toString(), value.applyAsDouble(expected.get(i)), value.applyAsDouble(actual.get(i)));
        }
    }

    /** Largest relative error over many values (relative to the larger of |expected| and 1e-3). */
    private static final class Errors {
        private final double tolerance;
        private double worst;
        private String where = "";

        Errors(double tolerance) {
            this.tolerance = tolerance;
        }

        void check(String what, double expected, double actual) {
            double error = Math.abs(expected - actual) / Math.max(Math.abs(expected), 1e-3);
            if (!(error <= worst)) {
                worst = error;
                where = what + ": expected " + expected + ", got " + actual;
            }
        }

        void assertWithin() {
            assertTrue(worst <= tolerance, "relative error " + worst + " > " + tolerance + " at " + where);
        }
    }
}
