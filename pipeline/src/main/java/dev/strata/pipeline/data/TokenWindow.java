package dev.strata.pipeline.data;

/**
 * One calibration sequence: {@code tokens} of the packed token stream, starting at stream position
 * {@code offset}. Windows are numbered 0, 1, 2, ... and batched by number (window / batch size), never by where
 * they happen to sit, so that every partitioning of the windows runs the same batches and gives the same scores.
 */
public record TokenWindow(long id, long offset, int[] tokens) implements java.io.Serializable {
    /** The batch a window belongs to. */
    public static long batchOf(long windowId, int batchSize) {
        return windowId / batchSize;
    }
}
