package dev.strata.pipeline.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Groups windows sorted by id into their batches ({@link TokenWindow#batchOf}), streaming: one batch in memory at
 * a time.
 */
public final class WindowBatches implements Iterator<List<TokenWindow>> {
    private final Iterator<TokenWindow> windows;
    private final int batchSize;
    private TokenWindow pending;

    public WindowBatches(Iterator<TokenWindow> windowsById, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.windows = windowsById;
        this.batchSize = batchSize;
        this.pending = windowsById.hasNext() ? windowsById.next() : null;
    }

    @Override
    public boolean hasNext() {
        return pending != null;
    }

    @Override
    public List<TokenWindow> next() {
        if (pending == null) {
            throw new NoSuchElementException();
        }
        long batch = TokenWindow.batchOf(pending.id(), batchSize);
        List<TokenWindow> out = new ArrayList<>(batchSize);
        while (pending != null && TokenWindow.batchOf(pending.id(), batchSize) == batch) {
            out.add(pending);
            TokenWindow next = windows.hasNext() ? windows.next() : null;
            if (next != null && next.id() <= pending.id()) {
                throw new IllegalStateException("windows must come in increasing id order: " + next.id() + " after "
                        + pending.id());
            }
            pending = next;
        }
        return out;
    }
}
