package dev.strata.pipeline.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.data.WindowPacker;
import dev.strata.pipeline.data.WindowSampler;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.score.LayerScores.ChannelKind;
import dev.strata.pipeline.score.LayerScores.ChannelScore;
import dev.strata.pipeline.testing.ReferenceScores;
import dev.strata.pipeline.testing.TinyModels;
import dev.strata.pipeline.tokenize.Tokenizer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Calibration scores of the DJL pass against the plain-Java reference, and their independence of the split. */
class ScorerTest {

    @ParameterizedTest(name = "kv heads {0}")
    @ValueSource(ints = {1, 2, 4})
    void tinyGroupedQueryModelScoresMatchReference(int kvHeads) {
        Checkpoint cp = TinyModels.random(TinyModels.config(4, kvHeads, false), 17 + kvHeads, DType.F32);
        List<int[]> windows = randomWindows(5, 12, cp.config().vocabSize(), 3);
        // random weights of std 0.3 give large activations: the fp32 forward itself is only good to ~1e-6 here
        assertMatchesReference(cp, windows, 2, 1e-5);
    }

    @Test
    void sharedModelOnTinyStoriesMatchesReference() throws Exception {
        Checkpoint cp = ModelFolder.read(TinyModels.STORIES);
        List<int[]> all = tinyStoriesWindows(512);
        List<int[]> sample = new ArrayList<>();
        for (int i : WindowSampler.choose(all.size(), 12, 2024)) {
            sample.add(all.get(i));
        }
        assertMatchesReference(cp, sample, 4, 1e-6);
    }

    @Test
    void partialStatisticsMergeToTheWholeInAnyOrder() throws Exception {
        List<int[]> windows = tinyStoriesWindows(128).subList(0, 12);
        try (LlamaModel model = LlamaModel.load(TinyModels.STORIES, Device.cpu())) {
            LayerScores whole = Scorer.score(model, tokenWindows(windows, 0, 12).iterator(), 4, null).scores();
            CalibrationStats a = Scorer.score(model, tokenWindows(windows, 0, 4).iterator(), 4, null);
            CalibrationStats b = Scorer.score(model, tokenWindows(windows, 4, 8).iterator(), 4, null);
            CalibrationStats c = Scorer.score(model, tokenWindows(windows, 8, 12).iterator(), 4, null);
            LayerScores merged = CalibrationStats.empty().merge(c).merge(CalibrationStats.empty()).merge(a).merge(b)
                    .scores();
            assertSameScores(whole, merged, 1e-12);
        }
    }

    @Test
    void reorderedWindowsGiveTheSameScores() throws Exception {
        List<int[]> windows = new ArrayList<>(tinyStoriesWindows(128).subList(0, 24));
        try (LlamaModel model = LlamaModel.load(TinyModels.STORIES, Device.cpu())) {
            LayerScores inOrder = Scorer.score(model, tokenWindows(windows, 0, 24).iterator(), 8, null).scores();
            Collections.shuffle(windows, new Random(5));
            LayerScores shuffled = Scorer.score(model, tokenWindows(windows, 0, 24).iterator(), 8, null).scores();
            assertSameScores(inOrder, shuffled, 1e-6);
        }
    }

    private static void assertMatchesReference(Checkpoint cp, List<int[]> windows, int batch, double tolerance) {
        ReferenceScores expected = new ReferenceScores(cp, windows);
        LayerScores actual;
        try (LlamaModel model = LlamaModel.fromCheckpoint(cp, Device.cpu())) {
            actual = Scorer.score(model, tokenWindows(windows, 0, windows.size()).iterator(), batch, null).scores();
        }
        int layers = cp.config().numLayers();
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
        int channels = 0;
        for (ChannelScore s : actual.channels()) {
            double want = s.kind() == ChannelKind.MLP ? expected.mlp[s.layer()][s.index()]
                    : expected.attention[s.layer()][s.index()];
            errors.check(s.kind().id() + " " + s.layer() + "/" + s.index(), want, s.value());
            channels++;
        }
        assertEquals(layers * (cp.config().intermediateSize() + cp.config().numKvHeads()), channels);
        errors.assertWithin();
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

    static void assertSameScores(LayerScores expected, LayerScores actual, double tolerance) {
        assertEquals(expected.tokens(), actual.tokens());
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

    static List<int[]> tinyStoriesWindows(int seqLen) throws Exception {
        try (Tokenizer tokenizer = Tokenizer.load(TinyModels.STORIES, ModelFolder.readConfig(TinyModels.STORIES))) {
            WindowPacker packer = new WindowPacker(seqLen, tokenizer.bosId());
            packer.addText(tokenizer.encode(Files.readString(TinyModels.TINYSTORIES_TEXT)));
            return packer.windows();
        }
    }

    static List<TokenWindow> tokenWindows(List<int[]> windows, int from, int to) {
        List<TokenWindow> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(new TokenWindow(i, (long) i * windows.get(i).length, windows.get(i)));
        }
        return out;
    }

    private static List<int[]> randomWindows(int count, int length, int vocab, long seed) {
        Random rng = new Random(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(rng.ints(length, 0, vocab).toArray());
        }
        return out;
    }
}
