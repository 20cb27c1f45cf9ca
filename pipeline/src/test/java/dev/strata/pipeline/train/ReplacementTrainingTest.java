package dev.strata.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.strata.pipeline.compress.Replacement;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.forward.Capture;
import dev.strata.pipeline.forward.DecoderLayer;
import dev.strata.pipeline.forward.Devices;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.surgery.LayerSurgery;
import dev.strata.pipeline.surgery.LayerWeights;
import dev.strata.pipeline.testing.TinyModels;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Training LLM-Streamline's replacement on the shared model: the next-token loss against plain-Java cross-entropy,
 * and both losses (hidden-state MSE, language model) going down while only the replacement's trained part moves.
 */
class ReplacementTrainingTest {
    private static final int START = 2;

    @Test
    void theNextTokenLossIsTheMeanCrossEntropyOfEachNextToken() {
        Random rng = new Random(9);
        int batch = 2;
        int seq = 5;
        int vocab = 7;
        double[] logits = new double[batch * seq * vocab];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = rng.nextGaussian() * 3;
        }
        long[] tokens = new long[batch * seq];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rng.nextInt(vocab);
        }
        double expected = 0;
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t + 1 < seq; t++) {
                int row = (b * seq + t) * vocab;
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < vocab; v++) {
                    max = Math.max(max, logits[row + v]);
                }
                double sum = 0;
                for (int v = 0; v < vocab; v++) {
                    sum += Math.exp(logits[row + v] - max);
                }
                expected -= logits[row + (int) tokens[b * seq + t + 1]] - max - Math.log(sum);
            }
        }
        expected /= batch * (seq - 1);
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), Devices.engine().getEngineName())) {
            NDArray loss = LanguageModelTuning.nextTokenLoss(m.create(logits, new Shape(batch, seq, vocab)),
                    m.create(tokens, new Shape(batch, seq)));
            assertEquals(expected, loss.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble(), 1e-12);
        }
    }

    @Test
    void anFfnReplacementLearnsTheBlockWhileItsAttentionStaysZero() throws Exception {
        Checkpoint original = ModelFolder.read(TinyModels.STORIES);
        Checkpoint pruned = Checkpoint.of(LayerSurgery.replaceBlock(original, START, 2,
                Replacement.FFN.initial(LayerWeights.of(original, START))));
        try (LlamaModel teacher = LlamaModel.fromCheckpoint(original, Device.cpu());
                LlamaModel student = LlamaModel.fromCheckpoint(pruned, Device.cpu())) {
            List<TokenWindow> windows = TinyModels.storyWindows(teacher.config(), 16, 64);
            TrainSettings s = new TrainSettings(2e-3, 2e-4, 1e-3, 5, 3, 4);
            DecoderLayer init = student.layers().get(START);
            try (TrainedLayer r = LayerDistillation.train(teacher, init, Replacement.FFN.trainedPart(), START, START + 2,
                    windows::iterator, s, s.steps(windows.size()), "ffn")) {
                assertTrue(r.lastEpochLoss() < 0.8 * r.firstLoss(), "MSE " + r.firstLoss() + " -> " + r.lastEpochLoss());
                for (NDArray attention : List.of(r.layer().attention().wq(), r.layer().attention().wk(),
                        r.layer().attention().wv(), r.layer().attention().wo())) {
                    assertEquals(0f, attention.abs().max().getFloat(), "an attention weight of the FFN moved");
                }
                assertTrue(r.layer().mlp().down().sub(init.mlp().down()).abs().max().getFloat() > 0, "the MLP did not move");
            }
        }
    }

    @Test
    void endToEndDistillationTrainsAnFfnReplacementsMlpAloneAndEveryOtherLayerWhole() throws Exception {
        Checkpoint original = ModelFolder.read(TinyModels.STORIES);
        Checkpoint pruned = Checkpoint.of(LayerSurgery.replaceBlock(original, START, 2,
                Replacement.FFN.initial(LayerWeights.of(original, START))));
        try (LlamaModel teacher = LlamaModel.fromCheckpoint(original, Device.cpu());
                LlamaModel student = LlamaModel.fromCheckpoint(pruned, Device.cpu())) {
            List<TokenWindow> windows = TinyModels.storyWindows(teacher.config(), 8, 64);
            TrainSettings s = new TrainSettings(2e-3, 2e-4, 1e-3, 5, 1, 4);
            TrainableLayers.Part[] parts = {TrainableLayers.Part.WHOLE_LAYER, TrainableLayers.Part.WHOLE_LAYER,
                TrainableLayers.Part.MLP, TrainableLayers.Part.WHOLE_LAYER};
            try (Trained r = ModelDistillation.train(teacher, student, new int[] {1, 2, 4, 5}, parts, 1, 1,
                    windows::iterator, s, s.steps(windows.size()), "distill model")) {
                DecoderLayer ffn = r.layers().get(START);
                for (NDArray attention : List.of(ffn.attention().wq(), ffn.attention().wk(), ffn.attention().wv(),
                        ffn.attention().wo())) {
                    assertEquals(0f, attention.abs().max().getFloat(), "an attention weight of the FFN moved");
                }
                assertTrue(ffn.mlp().down().sub(student.layers().get(START).mlp().down()).abs().max().getFloat() > 0,
                        "the FFN's MLP did not move");
                assertTrue(r.layers().get(0).attention().wo().sub(student.layers().get(0).attention().wo()).abs().max()
                        .getFloat() > 0, "a whole layer's attention did not move");
            }
        }
    }

    @Test
    void theLanguageModelLossTrainsOnlyTheReplacement() throws Exception {
        Checkpoint original = ModelFolder.read(TinyModels.STORIES);
        Checkpoint pruned = Checkpoint.of(LayerSurgery.replaceBlock(original, START, 2,
                Replacement.LAYER.initial(LayerWeights.of(original, START))));
        try (LlamaModel student = LlamaModel.fromCheckpoint(pruned, Device.cpu())) {
            List<TokenWindow> windows = TinyModels.storyWindows(student.config(), 16, 64);
            TrainSettings s = new TrainSettings(2e-3, 2e-4, 1e-3, 5, 3, 4);
            double before = loss(student, windows.subList(0, 4));
            float[] nextLayer = student.layers().get(START + 1).mlp().down().toFloatArray();
            try (TrainedLayer r = LanguageModelTuning.train(student, START, Replacement.LAYER.trainedPart(),
                    windows::iterator, s, s.steps(windows.size()), "lm")) {
                assertEquals(before, r.firstLoss(), 1e-5 * before, "the first step's loss is the untrained model's");
                assertTrue(r.lastEpochLoss() < r.firstLoss() - 0.05, "loss " + r.firstLoss() + " -> " + r.lastEpochLoss());
                assertTrue(r.layer().attention().wq().sub(student.layers().get(START).attention().wq()).abs().max()
                        .getFloat() > 0, "the replacement did not move");
            }
            org.junit.jupiter.api.Assertions.assertArrayEquals(nextLayer,
                    student.layers().get(START + 1).mlp().down().toFloatArray(), "a frozen layer moved");
        }
    }

    private static double loss(LlamaModel model, List<TokenWindow> batch) {
        try (NDManager scope = model.newScope()) {
            NDArray tokens = model.tokens(scope, batch.stream().map(TokenWindow::tokens).toList());
            return LanguageModelTuning.nextTokenLoss(model.forward(tokens, Capture.LOGITS).logits(), tokens).getFloat();
        }
    }
}
