package dev.strata.pipeline.surgery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.forward.Attention;
import dev.strata.pipeline.forward.Devices;
import dev.strata.pipeline.forward.Rope;
import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.DType;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import dev.strata.pipeline.model.Tensor;
import dev.strata.pipeline.testing.TinyModels;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The concatenation merge, checked against what each kept channel computes on its own in the source layers: MLP
 * neurons one by one in plain Java loops, attention heads through the source layers' own attention.
 */
class ConcatMergeTest {
    private static final LlamaConfig GQA = LlamaConfig.builder().hiddenSize(32).intermediateSize(20).numLayers(2)
            .numHeads(8).numKvHeads(4).vocabSize(11).maxPositions(16).rmsNormEps(1e-5).ropeTheta(10000).build();

    private static LlamaConfig config(int kvHeads) {
        return LlamaConfig.builder().hiddenSize(32).intermediateSize(20).numLayers(2).numHeads(8).numKvHeads(kvHeads)
                .vocabSize(11).maxPositions(16).rmsNormEps(1e-5).ropeTheta(10000).build();
    }

    @Test
    void qwen2BiasesFollowTheirHeadsAndGroups() {
        LlamaConfig qwen = LlamaConfig.builder().hiddenSize(32).intermediateSize(20).numLayers(2).numHeads(8)
                .numKvHeads(4).vocabSize(11).maxPositions(16).rmsNormEps(1e-6).ropeTheta(1e6).qwen2().build();
        Checkpoint cp = TinyModels.random(qwen, 4, DType.F32);
        LayerWeights a = LayerWeights.of(cp, 0);
        LayerWeights b = LayerWeights.of(cp, 1);
        // KV groups 1 and 3 from a, 0 and 2 from b: query heads 2,3,6,7 of a then 0,1,4,5 of b (head_dim 4)
        ChannelChoice choice = new ChannelChoice(0.5, new int[] {1, 3}, new int[] {0, 2}, new int[] {0, 1, 2, 3, 4, 5,
            6, 7, 8, 9}, new int[] {10, 11, 12, 13, 14, 15, 16, 17, 18, 19});
        LayerWeights merged = ConcatMerge.merge(qwen, a, b, choice);
        float[] qa = a.get(LayerTensor.Q_BIAS).toFloatArray();
        float[] qb = b.get(LayerTensor.Q_BIAS).toFloatArray();
        float[] kb = b.get(LayerTensor.K_BIAS).toFloatArray();
        float[] q = merged.get(LayerTensor.Q_BIAS).toFloatArray();
        float[] k = merged.get(LayerTensor.K_BIAS).toFloatArray();
        assertEquals(qa[2 * 4], q[0], 0); // head 2 of a comes first
        assertEquals(qa[7 * 4 + 3], q[15], 0); // the last channel of head 7 of a
        assertEquals(qb[0], q[16], 0); // then head 0 of b
        assertEquals(qb[5 * 4 + 3], q[31], 0);
        assertEquals(kb[2 * 4 + 1], k[3 * 4 + 1], 0); // group 2 of b is the fourth group
        assertEquals(32, q.length);
    }

    @Test
    void ratioOneKeepsLayerAAndAveragesTheNorms() {
        Checkpoint cp = TinyModels.random(GQA, 3, DType.F32);
        LayerWeights a = LayerWeights.of(cp, 0);
        LayerWeights b = LayerWeights.of(cp, 1);
        ChannelChoice choice = ChannelChoice.come(0.4, 0.0, sensitivity(4, 20, 1), sensitivity(4, 20, 2));
        assertEquals(1.0, choice.ratioA());
        LayerWeights merged = ConcatMerge.merge(GQA, a, b, choice);
        for (LayerTensor t : LayerTensor.of(GQA)) {
            float[] got = merged.get(t).toFloatArray();
            if (t == LayerTensor.INPUT_NORM || t == LayerTensor.POST_ATTENTION_NORM) {
                float[] x = a.get(t).toFloatArray();
                float[] y = b.get(t).toFloatArray();
                for (int i = 0; i < got.length; i++) {
                    assertEquals((x[i] + y[i]) / 2, got[i], 1e-7, t + " " + i);
                }
            } else {
                assertArrayEquals(a.get(t).toFloatArray(), got, t.toString());
            }
        }
        // and with equal norms the merged layer is layer a, bit for bit
        LayerWeights sameNorms = withNormsOf(b, a);
        LayerWeights exact = ConcatMerge.merge(GQA, a, sameNorms, choice);
        for (LayerTensor t : LayerTensor.of(GQA)) {
            assertArrayEquals(a.get(t).toFloatArray(), exact.get(t).toFloatArray(), t.toString());
        }
    }

    @Test
    void mergedMlpIsTheSumOfTheKeptNeuronsComputedOneByOne() {
        Checkpoint cp = TinyModels.random(GQA, 5, DType.F32);
        LayerWeights a = LayerWeights.of(cp, 0);
        LayerWeights b = LayerWeights.of(cp, 1);
        ChannelChoice choice = ChannelChoice.withRatio(0.35, sensitivity(4, 20, 7), sensitivity(4, 20, 8));
        assertEquals(7, choice.neuronsA().length); // rint(0.35 * 20)
        assertEquals(13, choice.neuronsB().length);
        LayerWeights merged = ConcatMerge.merge(GQA, a, b, choice);
        double[] x = new Random(11).doubles(32, -1, 1).toArray();
        double[] expected = new double[32];
        for (int j : choice.neuronsA()) {
            addNeuron(expected, a, j, x);
        }
        for (int j : choice.neuronsB()) {
            addNeuron(expected, b, j, x);
        }
        double[] got = new double[32];
        for (int j = 0; j < 20; j++) {
            addNeuron(got, merged, j, x);
        }
        for (int i = 0; i < 32; i++) {
            assertEquals(expected[i], got[i], 1e-9 * Math.max(1, Math.abs(expected[i])), "output " + i);
        }
    }

    /** Adds neuron j's contribution down[:, j] * silu(gate[j] . x) * (up[j] . x). */
    private static void addNeuron(double[] out, LayerWeights w, int j, double[] x) {
        float[] gate = w.get(LayerTensor.GATE_PROJ).toFloatArray();
        float[] up = w.get(LayerTensor.UP_PROJ).toFloatArray();
        float[] down = w.get(LayerTensor.DOWN_PROJ).toFloatArray();
        int d = x.length;
        int ff = gate.length / d;
        double g = 0;
        double u = 0;
        for (int i = 0; i < d; i++) {
            g += gate[j * d + i] * x[i];
            u += up[j * d + i] * x[i];
        }
        double a = g / (1 + Math.exp(-g)) * u;
        for (int i = 0; i < d; i++) {
            out[i] += down[i * ff + j] * a;
        }
    }

    @ParameterizedTest(name = "n_rep = {0}")
    @ValueSource(ints = {2, 4})
    void eachKeptKvHeadKeepsItsOwnQueryHeads(int rep) {
        LlamaConfig c = config(8 / rep);
        int kv = c.numKvHeads();
        Checkpoint cp = TinyModels.random(c, 17 + rep, DType.F32);
        LayerWeights a = LayerWeights.of(cp, 0);
        LayerWeights b = LayerWeights.of(cp, 1);
        // layer a keeps its last KV group, layer b its others: every head moves to another slot
        double[] favourLast = new double[kv];
        favourLast[kv - 1] = 1;
        double[] favourFirst = new double[kv];
        favourFirst[0] = 1;
        ChannelChoice choice = ChannelChoice.withRatio(1.0 / kv, new ChannelChoice.Sensitivity(favourLast, new double[20]),
                new ChannelChoice.Sensitivity(favourFirst, new double[20]));
        assertArrayEquals(new int[] {kv - 1}, choice.groupsA());
        assertEquals(kv - 1, choice.groupsB().length);
        LayerWeights merged = ConcatMerge.merge(c, a, b, choice);
        int[] headsA = ConcatMerge.queryHeads(choice.groupsA(), rep);
        int[] headsB = ConcatMerge.queryHeads(choice.groupsB(), rep);
        assertArrayEquals(java.util.stream.IntStream.range((kv - 1) * rep, kv * rep).toArray(), headsA);

        try (NDManager m = NDManager.newBaseManager(Devices.engine().getEngineName())) {
            int seq = 6;
            float[] input = new float[seq * 32];
            Random rng = new Random(29);
            for (int i = 0; i < input.length; i++) {
                input[i] = (float) (0.5 * rng.nextGaussian());
            }
            NDArray x = m.create(input, new Shape(1, seq, 32));
            Rope rope = new Rope(m, c.headDim(), c.maxPositions(), c.ropeTheta());
            Rope.Tables tables = rope.tables(m, seq);
            NDArray mask = causal(m, seq);
            float[] outA = attention(m, c, a).forward(x, tables, mask).beforeOutputProjection().toFloatArray();
            float[] outB = attention(m, c, b).forward(x, tables, mask).beforeOutputProjection().toFloatArray();
            Attention.Result r = attention(m, c, merged).forward(x, tables, mask);
            float[] outM = r.beforeOutputProjection().toFloatArray();
            int hd = c.headDim();
            int width = 8 * hd;
            for (int t = 0; t < seq; t++) {
                for (int slot = 0; slot < 8; slot++) {
                    boolean fromA = slot < headsA.length;
                    int head = fromA ? headsA[slot] : headsB[slot - headsA.length];
                    float[] src = fromA ? outA : outB;
                    for (int i = 0; i < hd; i++) {
                        assertEquals(src[t * width + head * hd + i], outM[t * width + slot * hd + i], 1e-5,
                                "position " + t + ", slot " + slot + " (head " + head + " of layer " + (fromA ? "a" : "b") + ")");
                    }
                }
            }
            // o_proj: the merged output is the kept heads' contributions through their own o_proj columns
            NDArray expected = headContributions(m, a, outA, headsA, seq, hd, width)
                    .add(headContributions(m, b, outB, headsB, seq, hd, width));
            assertTrue(expected.reshape(seq, 32).allClose(r.output().reshape(seq, 32), 1e-4, 1e-5, false));
        }
    }

    private static NDArray headContributions(NDManager m, LayerWeights w, float[] context, int[] heads, int seq, int hd,
            int width) {
        NDArray wo = array(m, w.get(LayerTensor.O_PROJ));
        NDArray sum = m.zeros(new Shape(seq, 32));
        NDArray ctx = m.create(context, new Shape(seq, width));
        for (int h : heads) {
            NDArray part = ctx.get(":, " + (h * hd) + ":" + ((h + 1) * hd));
            NDArray columns = wo.get(":, " + (h * hd) + ":" + ((h + 1) * hd));
            sum = sum.add(part.matMul(columns.transpose()));
        }
        return sum;
    }

    @Test
    void mismatchedLayersAndChoicesAreClearErrors() {
        Checkpoint cp = TinyModels.random(GQA, 3, DType.F32);
        LayerWeights a = LayerWeights.of(cp, 0);
        LlamaConfig wider = LlamaConfig.builder().hiddenSize(32).intermediateSize(24).numLayers(2).numHeads(8)
                .numKvHeads(4).vocabSize(11).maxPositions(16).rmsNormEps(1e-5).ropeTheta(10000).build();
        LayerWeights other = LayerWeights.of(TinyModels.random(wider, 4, DType.F32), 1);
        ChannelChoice choice = ChannelChoice.withRatio(0.5, sensitivity(4, 20, 1), sensitivity(4, 20, 2));
        StrataException shape = assertThrows(StrataException.class, () -> ConcatMerge.merge(GQA, a, other, choice));
        assertEquals("merge: layer b: tensor model.layers.1.mlp.gate_proj.weight has shape [24, 32] but config implies [20, 32]",
                shape.getMessage());
        StrataException widths = assertThrows(StrataException.class,
                () -> ChannelChoice.withRatio(0.5, sensitivity(4, 20, 1), sensitivity(4, 24, 2)));
        assertEquals("the two layers have different widths: 4 and 4 KV groups, 20 and 24 MLP neurons", widths.getMessage());
        ChannelChoice tooFew = new ChannelChoice(0.5, new int[] {0}, new int[] {1, 2}, choice.neuronsA(), choice.neuronsB());
        StrataException count = assertThrows(StrataException.class, () -> ConcatMerge.merge(GQA, a, a, tooFew));
        assertEquals("merge: 1 + 2 KV groups kept, but the layer has 4", count.getMessage());
        StrataException ratio = assertThrows(StrataException.class, () -> ChannelChoice.come(0, 0, sensitivity(4, 20, 1),
                sensitivity(4, 20, 2)));
        assertTrue(ratio.getMessage().startsWith("block influence of the pair must be non-negative and not both zero"));
    }

    @Test
    void topChannelsBreakTiesTowardsTheLowerIndexAndRoundHalfToEven() {
        assertArrayEquals(new int[] {0, 2}, ChannelChoice.top(new double[] {5, 1, 5, 5}, 2));
        assertArrayEquals(new int[] {1, 3}, ChannelChoice.top(new double[] {0.1, 0.9, 0.2, 0.8}, 2));
        // 0.625 * 4 = 2.5 rounds to 2 (half to even, as Python's round); 0.625 * 5 = 3.125 to 3
        ChannelChoice half = ChannelChoice.withRatio(0.625, sensitivity(4, 5, 1), sensitivity(4, 5, 2));
        assertEquals(2, half.groupsA().length);
        assertEquals(3, half.neuronsA().length);
    }

    private static ChannelChoice.Sensitivity sensitivity(int groups, int neurons, long seed) {
        Random rng = new Random(seed);
        return new ChannelChoice.Sensitivity(rng.doubles(groups).toArray(), rng.doubles(neurons).toArray());
    }

    private static LayerWeights withNormsOf(LayerWeights target, LayerWeights source) {
        java.util.Map<LayerTensor, Tensor> t = new java.util.EnumMap<>(target.tensors());
        t.put(LayerTensor.INPUT_NORM, source.get(LayerTensor.INPUT_NORM));
        t.put(LayerTensor.POST_ATTENTION_NORM, source.get(LayerTensor.POST_ATTENTION_NORM));
        return new LayerWeights(t);
    }

    private static Attention attention(NDManager m, LlamaConfig c, LayerWeights w) {
        return new Attention(array(m, w.get(LayerTensor.Q_PROJ)), array(m, w.get(LayerTensor.K_PROJ)),
                array(m, w.get(LayerTensor.V_PROJ)), array(m, w.get(LayerTensor.O_PROJ)), c.numHeads(), c.numKvHeads(),
                c.headDim());
    }

    private static NDArray array(NDManager m, Tensor t) {
        return m.create(t.buffer(), new Shape(t.shape()), DataType.FLOAT32);
    }

    private static NDArray causal(NDManager m, int seq) {
        float[] v = new float[seq * seq];
        for (int i = 0; i < seq; i++) {
            for (int j = i + 1; j < seq; j++) {
                v[i * seq + j] = Float.NEGATIVE_INFINITY;
            }
        }
        return m.create(v, new Shape(1, seq, seq));
    }
}
