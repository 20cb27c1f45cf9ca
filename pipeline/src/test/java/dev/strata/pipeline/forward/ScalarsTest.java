package dev.strata.pipeline.forward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.train.Autograd;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * Constants in a recorded graph stay valid until backward: after the forward pass the garbage collector runs and the
 * freed native memory is filled with NaN by new direct buffers, and the gradients are still the exact ones. (With
 * DJL's {@code mul(Number)} in place of {@link Scalars#times} the same test reads NaN or garbage constants.)
 */
class ScalarsTest {
    @Test
    void aConstantInTheGraphOutlivesTheCollection() {
        assertExactGradients(Scalars::times);
    }

    static void assertExactGradients(BiFunction<NDArray, Double, NDArray> times) {
        for (int trial = 0; trial < 20; trial++) {
            try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu(), Devices.engine().getEngineName())) {
                NDArray w = m.create(new float[] {1, 2, 3});
                Autograd.track(w);
                List<ByteBuffer> churn;
                try (Autograd rec = Autograd.record()) {
                    NDArray loss = times.apply(w, 3.0).square().sum(); // d/dw = 18 w
                    churn = reuseFreedMemory();
                    rec.backward(loss);
                }
                assertArrayEquals(new float[] {18, 36, 54}, w.getGradient().toFloatArray(), "trial " + trial
                        + " (" + churn.size() + " buffers)");
            }
        }
    }

    /** Collects garbage, then takes small native blocks (the size of freed constants) and fills them with NaN. */
    private static List<ByteBuffer> reuseFreedMemory() {
        System.gc();
        try {
            Thread.sleep(20); // the Cleaner thread frees the collected buffers' memory
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        List<ByteBuffer> held = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(4 + (i % 4) * 4).order(ByteOrder.nativeOrder());
            while (b.remaining() >= 4) {
                b.putFloat(Float.NaN);
            }
            held.add(b);
        }
        return held;
    }
}
