package dev.strata.pipeline.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.engine.Engine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Processing queries in blocks gives the same attention as one block over the whole sequence. */
class AttentionBlockTest {
    @ParameterizedTest
    @ValueSource(longs = {1, 3, 7, 16})
    void blockedEqualsUnblocked(long block) {
        int seq = 21;
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            Engine.getEngine("PyTorch").setRandomSeed(5);
            Attention attention = new Attention(m.randomNormal(new Shape(32, 16)), m.randomNormal(new Shape(16, 16)),
                    m.randomNormal(new Shape(16, 16)), m.randomNormal(new Shape(16, 32)), 4, 2, 8);
            Rope.Tables rope = new Rope(m, 8, 64, 10000).tables(m, seq);
            NDArray positions = m.arange(seq);
            NDArray mask = NDArrays.where(positions.expandDims(0).gt(positions.expandDims(1)),
                    m.full(new Shape(seq, seq), Float.NEGATIVE_INFINITY), m.zeros(new Shape(seq, seq))).expandDims(0);
            NDArray x = m.randomNormal(new Shape(2, seq, 16));
            float[] whole = attention.forward(x, rope, mask, seq).output().toFloatArray();
            float[] blocked = attention.forward(x, rope, mask, block).output().toFloatArray();
            assertArrayEquals(whole, blocked, 1e-4f, "float rounding only (outputs are of order 1-10)");
        }
    }
}
