package dev.strata.pipeline.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.forward.Capture;
import dev.strata.pipeline.forward.ForwardOutput;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.ModelFolder;
import dev.strata.pipeline.score.LayerScores;
import dev.strata.pipeline.score.LayerScores.BlockScore;
import dev.strata.pipeline.score.Metric;
import dev.strata.pipeline.surgery.LayerSurgery;
import dev.strata.pipeline.surgery.LayerWeights;
import dev.strata.pipeline.testing.ReferenceLlama;
import dev.strata.pipeline.testing.TinyModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * LLM-Streamline's parts: the block choice is the argmax of block cosine; a replaced block gives a standard Llama
 * checkpoint whose FFN replacement adds only its MLP to the residual stream (checked in plain Java loops against the
 * double-precision reference forward pass).
 */
class StreamlineTest {

    @Test
    void theChosenBlockIsTheArgmaxOfBlockCosineTiesToTheLowerStart() {
        Random rng = new Random(5);
        int layers = 7;
        for (int trial = 0; trial < 50; trial++) {
            List<BlockScore> blocks = new ArrayList<>();
            for (int n = 1; n < layers; n++) {
                for (int j = 0; j + n <= layers; j++) {
                    blocks.add(new BlockScore(j, n, Metric.COSINE, Math.round(rng.nextDouble() * 8) / 8.0));
                    blocks.add(new BlockScore(j, n, Metric.ANGULAR_LAST, rng.nextDouble())); // another metric: ignored
                }
            }
            LayerScores scores = new LayerScores(List.of(), blocks, List.of(), 1, 1);
            int n = 1 + trial % (layers - 1);
            int expected = 0;
            for (int j = 1; j + n <= layers; j++) {
                if (scores.block(Metric.COSINE, j, n) > scores.block(Metric.COSINE, expected, n)) {
                    expected = j;
                }
            }
            LayerBlock chosen = LayerBlock.mostAlike(scores, layers, n, "--layers");
            assertEquals(expected, chosen.start(), "length " + n + ", trial " + trial);
            assertEquals(scores.block(Metric.COSINE, expected, n), chosen.score());
            assertEquals(expected + n, chosen.end());
        }
    }

    @Test
    void blockLengthsThatLeaveNoLayerOrScoresThatAreMissingAreClearErrors() {
        LayerScores one = new LayerScores(List.of(), List.of(new BlockScore(0, 1, Metric.COSINE, 0.5)), List.of(), 1, 1);
        assertEquals("--layers 3 must lie in 1..2 (the model has 3 layers, and at least one must stay)",
                assertThrows(StrataException.class, () -> LayerBlock.mostAlike(one, 3, 3, "--layers")).getMessage());
        assertEquals("--layers 0 must lie in 1..2 (the model has 3 layers, and at least one must stay)",
                assertThrows(StrataException.class, () -> LayerBlock.mostAlike(one, 3, 0, "--layers")).getMessage());
        assertEquals("the scores have no cosine value for the block of 1 layer(s) starting at 1",
                assertThrows(StrataException.class, () -> LayerBlock.mostAlike(one, 3, 1, "--layers")).getMessage());
    }

    @Test
    void anFfnReplacementIsALlamaLayerWhoseAttentionAddsNothing() {
        Checkpoint original = ModelFolder.read(TinyModels.STORIES);
        int start = 1;
        LayerWeights first = LayerWeights.of(original, start);
        Checkpoint replaced = Checkpoint.of(LayerSurgery.replaceBlock(original, start, 2, Replacement.FFN.initial(first)));
        LlamaConfig c = replaced.config();
        assertEquals(4, c.numLayers());
        for (LayerTensor t : new LayerTensor[] {LayerTensor.Q_PROJ, LayerTensor.K_PROJ, LayerTensor.V_PROJ,
            LayerTensor.O_PROJ}) {
            for (float v : replaced.tensor(t.name(start)).toFloatArray()) {
                assertEquals(0f, v, t.name(start));
            }
        }
        for (LayerTensor t : new LayerTensor[] {LayerTensor.POST_ATTENTION_NORM, LayerTensor.GATE_PROJ,
            LayerTensor.UP_PROJ, LayerTensor.DOWN_PROJ}) {
            assertArrayEquals(first.get(t).toFloatArray(), replaced.tensor(t.name(start)).toFloatArray(), t.name(start));
        }
        // the layers after the block moved up by one, unchanged
        assertArrayEquals(original.tensor(LayerTensor.DOWN_PROJ.name(3)).toFloatArray(),
                replaced.tensor(LayerTensor.DOWN_PROJ.name(start + 1)).toFloatArray());

        int[] tokens = new int[40];
        Random rng = new Random(3);
        for (int t = 0; t < tokens.length; t++) {
            tokens[t] = rng.nextInt(c.vocabSize());
        }
        ReferenceLlama.Trace trace = new ReferenceLlama(replaced, false).forward(tokens);
        // the FFN layer's output is its input plus W_down a, a = silu(W_gate n(x)) * W_up n(x), nothing else
        float[] down = replaced.tensor(LayerTensor.DOWN_PROJ.name(start)).toFloatArray();
        int d = c.hiddenSize();
        int ff = c.intermediateSize();
        for (int t = 0; t < tokens.length; t++) {
            for (int i = 0; i < d; i++) {
                double mlp = 0;
                for (int j = 0; j < ff; j++) {
                    mlp += down[i * ff + j] * trace.mlp()[start][t][j];
                }
                assertEquals(trace.hidden()[start][t][i] + mlp, trace.hidden()[start + 1][t][i], 1e-9);
            }
        }
        // and the DJL forward pass of the exported checkpoint agrees with the reference
        try (LlamaModel model = LlamaModel.fromCheckpoint(replaced, Device.cpu()); NDManager scope = model.newScope()) {
            long[][] ids = {java.util.Arrays.stream(tokens).asLongStream().toArray()};
            ForwardOutput out = model.forward(model.tokens(scope, ids), Capture.LOGITS);
            float[] logits = out.logits().toFloatArray();
            double maxDiff = 0;
            double maxRef = 0;
            for (int t = 0; t < tokens.length; t++) {
                for (int v = 0; v < c.vocabSize(); v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(trace.logits()[t][v] - logits[t * c.vocabSize() + v]));
                    maxRef = Math.max(maxRef, Math.abs(trace.logits()[t][v]));
                }
            }
            assertTrue(maxDiff / maxRef < 1e-4, "relative logit error " + maxDiff / maxRef);
        }
    }

    @Test
    void replacementsCountTheParametersThatCompute() {
        LlamaConfig c = ModelFolder.readConfig(TinyModels.STORIES);
        long d = c.hiddenSize();
        long ff = c.intermediateSize();
        long attention = d * c.numHeads() * c.headDim() * 2 + d * c.numKvHeads() * c.headDim() * 2;
        assertEquals(3 * d * ff + d, Replacement.FFN.parameters(c));
        assertEquals(attention + 3 * d * ff + 2 * d, Replacement.LAYER.parameters(c));
        assertEquals(0, Replacement.NONE.parameters(c));
    }
}
