package dev.strata.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.strata.pipeline.forward.Devices;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.data.TokenWindow;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The training loop: batches in order every epoch, the losses it reports, the end of a run whose loss is not finite. */
class TrainingLoopTest {
    private static final List<TokenWindow> WINDOWS = IntStream.range(0, 6)
            .mapToObj(i -> new TokenWindow(i, i * 4L, new int[] {i, i + 1, i + 2, i + 3})).toList();
    private static final TrainSettings TWO_EPOCHS = new TrainSettings(1e-3, 1e-4, 0, 0, 2, 2);

    @Test
    void batchesComeInOrderEveryEpochAndANonFiniteLossEndsTheTraining() {
        List<Long> seen = new ArrayList<>();
        TrainingLosses losses = TrainingLoop.run(WINDOWS::iterator, TWO_EPOCHS, 6, "test", batch -> {
            seen.add(batch.get(0).id());
            return batch.get(0).id() + 1.0;
        });
        assertEquals(List.of(0L, 2L, 4L, 0L, 2L, 4L), seen);
        assertEquals(1.0, losses.first());
        assertEquals(5.0, losses.last());
        assertEquals(3.0, losses.lastEpochMean());
        assertEquals(6, losses.steps());
        StrataException ex = assertThrows(StrataException.class, () -> TrainingLoop.run(WINDOWS::iterator, TWO_EPOCHS,
                6, "test", batch -> batch.get(0).id() == 4 ? Double.NaN : 1.0));
        assertEquals("test: the loss became NaN at step 3 of epoch 1 (last finite loss 1.0); lower the learning rate",
                ex.getMessage());
    }

    @Test
    void runningOutOfMemoryIsOneLineSayingWhatToChange() {
        // a real Java heap exhaustion (an array larger than any heap the tests run with)
        StrataException heap = assertThrows(StrataException.class, () -> TrainingLoop.run(WINDOWS::iterator,
                TWO_EPOCHS, 6, "distill layer 2", batch -> new double[Integer.MAX_VALUE - 16].length));
        assertTrue(heap.getMessage().startsWith("distill layer 2: out of memory at step 1 of epoch 1 ("), heap.getMessage());
        assertTrue(heap.getMessage().endsWith("); lower the batch (2 windows) or give the executors more memory"),
                heap.getMessage());
        // a real native allocation PyTorch refuses (4 TiB)
        StrataException nativeMemory = assertThrows(StrataException.class, () -> TrainingLoop.run(WINDOWS::iterator,
                TWO_EPOCHS, 6, "distill layer 2", batch -> {
                    try (NDManager m = NDManager.newBaseManager(Devices.engine().getEngineName())) {
                        return m.zeros(new Shape(1L << 40)).getShape().size();
                    }
                }));
        assertTrue(nativeMemory.getMessage().startsWith("distill layer 2: out of memory at step 1 of epoch 1 ("),
                nativeMemory.getMessage());
        assertEquals(1, nativeMemory.getMessage().lines().count());
    }
}
