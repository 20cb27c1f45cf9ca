package dev.strata.pipeline.score;


import ai.djl.Device;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.data.WindowPacker;
import dev.strata.pipeline.data.WindowSampler;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.testing.ReferenceScores;
import dev.strata.pipeline.testing.ScoreAssertions;
import dev.strata.pipeline.testing.TinyModels;
import dev.strata.pipeline.tokenize.Tokenizer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
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
            ScoreAssertions.assertSameScores(whole, merged, 1e-12);
        }
    }

    @Test
    void reorderedWindowsGiveTheSameScores() throws Exception {
        List<int[]> windows = new ArrayList<>(tinyStoriesWindows(128).subList(0, 24));
        try (LlamaModel model = LlamaModel.load(TinyModels.STORIES, Device.cpu())) {
            LayerScores inOrder = Scorer.score(model, tokenWindows(windows, 0, 24).iterator(), 8, null).scores();
            Collections.shuffle(windows, new Random(5));
            LayerScores shuffled = Scorer.score(model, tokenWindows(windows, 0, 24).iterator(), 8, null).scores();
            ScoreAssertions.assertSameScores(inOrder, shuffled, 1e-6);
        }
    }

    private static void assertMatchesReference(Checkpoint cp, List<int[]> windows, int batch, double tolerance) {
        LayerScores actual;
        try (LlamaModel model = LlamaModel.fromCheckpoint(cp, Device.cpu())) {
            actual = Scorer.score(model, tokenWindows(windows, 0, windows.size()).iterator(), batch, null).scores();
        }
        ScoreAssertions.assertMatchesReference(new ReferenceScores(cp, windows), cp.config(), windows, actual, tolerance);
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
