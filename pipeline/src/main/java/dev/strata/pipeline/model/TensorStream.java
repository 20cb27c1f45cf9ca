package dev.strata.pipeline.model;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A tensor to write whose values come in row-major order, chunk by chunk, so that a file of any size is written
 * without the tensor held whole (random weights generated as they are written; a stored tensor decoded as it is
 * read). A stream is read once.
 *
 * @param dtype the type the values are stored in
 */
public record TensorStream(String name, DType dtype, long[] shape, Values values) {

    /** Where the values come from. */
    @FunctionalInterface
    public interface Values {
        /** Puts the next values into {@code dst}, as many as it has room for or as are left. */
        void next(FloatBuffer dst);
    }

    public TensorStream {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Puts the next values into {@code dst}, as many as it has room for or as are left. */
    public void next(FloatBuffer dst) {
        values.next(dst);
    }

    public long elementCount() {
        return Arrays.stream(shape).reduce(1, Math::multiplyExact);
    }

    public long storedBytes() {
        return elementCount() * dtype.bytes();
    }

    /** Values held in an array (a tensor computed on the heap), to be stored as {@code dtype}. */
    public static TensorStream of(String name, DType dtype, long[] shape, float[] values) {
        int[] next = {0};
        return new TensorStream(name, dtype, shape, dst -> {
            int n = Math.min(dst.remaining(), values.length - next[0]);
            dst.put(values, next[0], n);
            next[0] += n;
        });
    }

    /** A loaded tensor's values, in its storage type. */
    public static TensorStream of(Tensor t) {
        FloatBuffer values = t.floats();
        return new TensorStream(t.name(), t.dtype(), t.shape(), dst -> {
            FloatBuffer part = values.slice().limit(Math.min(values.remaining(), dst.remaining()));
            dst.put(part);
            values.position(values.position() + part.limit());
        });
    }
}
