package dev.strata.pipeline.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class WindowsTest {
    @Test
    void packerPutsBosBeforeEachTextAndDropsThePartialWindow() {
        WindowPacker packer = new WindowPacker(4, 1);
        packer.addText(new int[] {10, 11, 12, 13, 14});
        packer.addText(new int[] {20, 21});
        packer.addText(new int[] {});
        // stream: 1 10 11 12 | 13 14 1 20 | 21 1 (partial, dropped)
        assertEquals(10, packer.tokens());
        List<int[]> windows = packer.windows();
        assertEquals(2, windows.size());
        assertArrayEquals(new int[] {1, 10, 11, 12}, windows.get(0));
        assertArrayEquals(new int[] {13, 14, 1, 20}, windows.get(1));
    }

    @Test
    void samplerIsReproducibleDistinctSortedAndSeedDependent() {
        int[] a = WindowSampler.choose(1000, 50, 7);
        assertArrayEquals(a, WindowSampler.choose(1000, 50, 7));
        assertNotEquals(Arrays.toString(a), Arrays.toString(WindowSampler.choose(1000, 50, 8)));
        assertEquals(50, Arrays.stream(a).distinct().count());
        assertArrayEquals(Arrays.stream(a).sorted().toArray(), a);
        assertArrayEquals(IntStream.range(0, 9).toArray(), WindowSampler.choose(9, 9, 1));
        assertThrows(IllegalArgumentException.class, () -> WindowSampler.choose(9, 10, 1));
    }

    @Test
    void samplerIsUniform() {
        int[] hits = new int[10];
        for (int seed = 0; seed < 4000; seed++) {
            for (int i : WindowSampler.choose(10, 3, seed)) {
                hits[i]++;
            }
        }
        // each index is chosen with probability 0.3: 1200 expected, binomial sd ~29
        for (int h : hits) {
            assertEquals(1200, h, 150);
        }
    }

    @Test
    void batchesFollowWindowIdsNotPositions() {
        List<TokenWindow> windows = new ArrayList<>();
        for (long id : new long[] {2, 3, 4, 8, 9}) {
            windows.add(new TokenWindow(id, id * 4, new int[4]));
        }
        WindowBatches batches = new WindowBatches(windows.iterator(), 4);
        assertEquals(List.of(2L, 3L), ids(batches.next()));
        assertEquals(List.of(4L), ids(batches.next()));
        assertEquals(List.of(8L, 9L), ids(batches.next()));
        assertEquals(false, batches.hasNext());

        List<TokenWindow> unordered = List.of(windows.get(1), windows.get(0));
        assertThrows(IllegalStateException.class, () -> new WindowBatches(unordered.iterator(), 4).next());
    }

    private static List<Long> ids(List<TokenWindow> batch) {
        return batch.stream().map(TokenWindow::id).toList();
    }
}
