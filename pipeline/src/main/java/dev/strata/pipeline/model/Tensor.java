package dev.strata.pipeline.model;

import dev.strata.pipeline.StrataException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A named weight tensor held as F32 in a direct, native-order buffer (which DJL wraps without copying), with
 * the storage type it was read in or is to be written in.
 */
public final class Tensor {
    /** The largest element count one tensor may have: its F32 bytes must fit one Java buffer. */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE / Float.BYTES;

    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final ByteBuffer data;
    /** True when this tensor allocated its buffer (and so may free it early, {@link #release}). */
    private final boolean owner;

    private Tensor(String name, DType dtype, long[] shape, ByteBuffer data, boolean owner) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
        this.owner = owner;
    }

    /** A zero-filled tensor. */
    public static Tensor allocate(String name, DType dtype, long... shape) {
        long n = checkedElementCount(name, shape);
        ByteBuffer buffer = ByteBuffer.allocateDirect((int) (n * Float.BYTES)).order(ByteOrder.nativeOrder());
        return new Tensor(name, dtype, shape, buffer, true);
    }

    /** A tensor holding a copy of {@code values}. */
    public static Tensor of(String name, DType dtype, long[] shape, float[] values) {
        Tensor t = allocate(name, dtype, shape);
        if (values.length != t.numel()) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + Arrays.toString(shape));
        }
        t.floats().put(values);
        return t;
    }

    /** Wraps an F32 native-order buffer without copying; its remaining bytes must match the shape. */
    public static Tensor wrap(String name, DType dtype, long[] shape, ByteBuffer f32) {
        long n = checkedElementCount(name, shape);
        if (f32.remaining() != n * Float.BYTES) {
            throw new IllegalArgumentException(name + ": buffer of " + f32.remaining() + " bytes for shape " + Arrays.toString(shape));
        }
        return new Tensor(name, dtype, shape, f32.slice().order(ByteOrder.nativeOrder()), false);
    }

    /** Number of elements of {@code shape}, refused above {@link #MAX_ELEMENTS} (what one loaded tensor holds). */
    public static long checkedElementCount(String name, long[] shape) {
        long n = elementCount(name, shape);
        if (n > MAX_ELEMENTS) {
            throw new StrataException(name + ": shape " + Arrays.toString(shape) + " has more than the "
                    + MAX_ELEMENTS + " elements one loaded tensor may hold");
        }
        return n;
    }

    /**
     * Number of elements of {@code shape}, however large (a file's header may describe tensors no buffer holds:
     * Llama-3-70B's embedding has 1.05 billion); refused only when it does not fit a long.
     */
    public static long elementCount(String name, long[] shape) {
        for (long d : shape) {
            if (d < 0) {
                throw new StrataException(name + ": negative dimension in shape " + Arrays.toString(shape));
            }
        }
        try {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        } catch (ArithmeticException overflow) {
            throw new StrataException(name + ": shape " + Arrays.toString(shape) + " has more elements than a "
                    + "long counts");
        }
    }

    public String name() {
        return name;
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int numel() {
        return data.capacity() / Float.BYTES;
    }

    /** Bytes this tensor takes in its storage type. */
    public long storedBytes() {
        return (long) numel() * dtype.bytes();
    }

    /** The F32 data as a native-order byte buffer positioned at 0 (shares the storage). */
    public ByteBuffer buffer() {
        return data.duplicate().clear().order(ByteOrder.nativeOrder());
    }

    /** The data as floats (shares the storage). */
    public FloatBuffer floats() {
        return buffer().asFloatBuffer();
    }

    public float[] toFloatArray() {
        float[] out = new float[numel()];
        floats().get(out);
        return out;
    }

    /** The index of the first NaN or infinite element, or -1 when every element is finite. */
    public int firstNonFinite() {
        FloatBuffer f = floats();
        float[] chunk = new float[Math.min(f.limit(), 1 << 16)];
        for (int start = 0, n = f.limit(); start < n; start += chunk.length) {
            int len = Math.min(chunk.length, n - start);
            f.get(start, chunk, 0, len);
            for (int i = 0; i < len; i++) {
                if (!Float.isFinite(chunk[i])) {
                    return start + i;
                }
            }
        }
        return -1;
    }

    /** The same data under another name and storage type. */
    public Tensor as(String newName, DType newType) {
        return new Tensor(newName, newType, shape, data, false);
    }

    /**
     * Frees the buffer now instead of when the garbage collector finds it: a pass over a model larger than memory
     * loads a layer, uses it and loads the next, and direct buffers the heap's collector has promoted would otherwise
     * pile up to -XX:MaxDirectMemorySize. Nothing may use the tensor, or an array made from it, afterwards. Tensors
     * that share another's buffer ({@link #wrap}, {@link #as}) free nothing.
     */
    public void release() {
        if (owner) {
            DirectMemory.free(data);
        }
    }

    /** True when names, types, shapes and every bit of the data are equal. */
    public boolean bitEquals(Tensor other) {
        return name.equals(other.name) && dtype == other.dtype && Arrays.equals(shape, other.shape)
                && buffer().equals(other.buffer());
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
