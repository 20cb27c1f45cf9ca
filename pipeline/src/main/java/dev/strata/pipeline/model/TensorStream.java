package dev.strata.pipeline.model;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A tensor to write whose values come in row-major order, chunk by chunk, so that a file of any size is written
 * without the tensor held whole (random weights generated as they are written; a loaded tensor, read once).
 * A stream is read once.
 */
public interface TensorStream {
    String name();

    /** The type the values are stored in. */
    DType dtype();

    long[] shape();

    /** Puts the next values into {@code dst}, as many as it has room for or as are left. */
    void next(FloatBuffer dst);

    default long elementCount() {
        return Arrays.stream(shape()).reduce(1, Math::multiplyExact);
    }

    default long storedBytes() {
        return elementCount() * dtype().bytes();
    }

    /** A loaded tensor's values, in its storage type. */
    static TensorStream of(Tensor t) {
        FloatBuffer values = t.floats();
        return new TensorStream() {
            @Override
            public String name() {
                return t.name();
            }

            @Override
            public DType dtype() {
                return t.dtype();
            }

            @Override
            public long[] shape() {
                return t.shape();
            }

            @Override
            public void next(FloatBuffer dst) {
                FloatBuffer part = values.slice().limit(Math.min(values.remaining(), dst.remaining()));
                dst.put(part);
                values.position(values.position() + part.limit());
            }
        };
    }
}
