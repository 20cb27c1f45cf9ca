package dev.strata.pipeline.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Packs texts into windows of {@code seqLen} tokens: each text's ids, preceded by BOS, are appended to one token
 * stream, which is cut into consecutive non-overlapping windows; the last partial window is dropped. A single
 * text therefore gives exactly the windows of {@code strata ppl}.
 */
public final class WindowPacker {
    private final int seqLen;
    private final int bosId;
    private final List<int[]> windows = new ArrayList<>();
    private int[] current;
    private int filled;
    private long tokens;

    /** @param bosId the id put before each text, or -1 for none */
    public WindowPacker(int seqLen, int bosId) {
        if (seqLen < 1) {
            throw new IllegalArgumentException("window length must be positive, got " + seqLen);
        }
        this.seqLen = seqLen;
        this.bosId = bosId;
        this.current = new int[seqLen];
    }

    /** Appends one text's token ids (without BOS) to the stream. */
    public void addText(int[] ids) {
        if (bosId >= 0) {
            append(bosId);
        }
        for (int id : ids) {
            append(id);
        }
    }

    private void append(int id) {
        current[filled++] = id;
        tokens++;
        if (filled == seqLen) {
            windows.add(current);
            current = new int[seqLen];
            filled = 0;
        }
    }

    /** Tokens in the stream so far, BOS included. */
    public long tokens() {
        return tokens;
    }

    /** Complete windows so far. */
    public int windowCount() {
        return windows.size();
    }

    /** The complete windows so far, in stream order (window i starts at stream position i * seqLen). */
    public List<int[]> windows() {
        return List.copyOf(windows);
    }
}
