package dev.strata.pipeline.model;

import dev.strata.pipeline.StrataException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Locale;
import java.util.Set;

/**
 * The storage types Strata reads and writes. In memory every tensor is F32 (DJL's PyTorch engine crashes on
 * BF16 arrays and runs F16 very slowly on CPU); the storage type is kept so that a model is written back in
 * the type it was read in. F16 and BF16 widen to F32 exactly, so read -> write round trips are bit-identical.
 */
public enum DType {
    F32(4, "float32"),
    F16(2, "float16"),
    BF16(2, "bfloat16");

    /** Types the safetensors format defines that Strata does not hold weights in. */
    private static final Set<String> OTHER_SAFETENSORS_TYPES = Set.of(
            "F64", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL", "C64",
            "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4");

    private final int bytes;
    private final String torchName;

    DType(int bytes, String torchName) {
        this.bytes = bytes;
        this.torchName = torchName;
    }

    /** Bytes per element in storage. */
    public int bytes() {
        return bytes;
    }

    /** The name config.json uses for this type in "torch_dtype". */
    public String torchName() {
        return torchName;
    }

    /**
     * Parses a safetensors "dtype" value.
     *
     * @param where names the file and tensor for the error message
     */
    public static DType fromSafetensors(String name, String where) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        if (OTHER_SAFETENSORS_TYPES.contains(name)) {
            throw new StrataException(where + ": dtype " + name + " is not supported (expected F32, F16 or BF16)");
        }
        throw new StrataException(where + ": unknown dtype '" + name + "' (expected F32, F16 or BF16)");
    }

    /** Parses config.json's "torch_dtype" ("float32", "bfloat16", ...). */
    public static DType fromTorchName(String name, String where) {
        String n = name.toLowerCase(Locale.ROOT).replace("torch.", "");
        for (DType t : values()) {
            if (t.torchName.equals(n)) {
                return t;
            }
        }
        throw new StrataException(where + ": torch_dtype '" + name + "' is not supported (expected float32, float16 or bfloat16)");
    }

    /**
     * Reads {@code count} stored values from {@code src} (little-endian) and writes them as floats to {@code dst}. Works
     * through arrays, a loop the JIT vectorises: a 13B model is widened at memory speed, not value by value.
     */
    public void decode(ByteBuffer src, FloatBuffer dst, int count) {
        ByteBuffer in = src.slice().order(ByteOrder.LITTLE_ENDIAN).limit(count * bytes);
        if (this == F32) {
            dst.put(in.asFloatBuffer());
        } else {
            short[] raw = new short[count];
            in.asShortBuffer().get(raw);
            float[] out = new float[count];
            if (this == BF16) {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.intBitsToFloat((raw[i] & 0xffff) << 16);
                }
            } else {
                for (int i = 0; i < count; i++) {
                    out[i] = halfToFloat(raw[i]);
                }
            }
            dst.put(out);
        }
        src.position(src.position() + count * bytes);
    }

    /** Reads {@code count} floats from {@code src} and writes them in this type to {@code dst} (little-endian). */
    public void encode(FloatBuffer src, ByteBuffer dst, int count) {
        ByteBuffer out = dst.slice().order(ByteOrder.LITTLE_ENDIAN).limit(count * bytes);
        if (this == F32) {
            out.asFloatBuffer().put(src.slice().limit(count));
        } else {
            float[] values = new float[count];
            src.slice().get(values);
            short[] narrow = new short[count];
            for (int i = 0; i < count; i++) {
                narrow[i] = this == BF16 ? floatToBfloat16(values[i]) : floatToHalf(values[i]);
            }
            out.asShortBuffer().put(narrow);
        }
        src.position(src.position() + count);
        dst.position(dst.position() + count * bytes);
    }

    /** IEEE 754 binary16 to binary32; exact for every value, NaN payloads kept. */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal half: normalise into a normal float
            int shift = Integer.numberOfLeadingZeros(mant) - 21;
            mant = (mant << shift) & 0x3ff;
            exp = 1 - shift;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** binary32 to binary16 with round-to-nearest-even (as PyTorch does); NaN payloads kept where they fit. */
    static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            if (mant == 0) {
                return (short) (sign | 0x7c00);
            }
            int payload = mant >>> 13;
            return (short) (sign | 0x7c00 | (payload == 0 ? 0x200 : payload));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            int m = mant | 0x800000;
            int shift = 14 - e;
            int half = m >>> shift;
            int rest = m & ((1 << shift) - 1);
            int midpoint = 1 << (shift - 1);
            if (rest > midpoint || (rest == midpoint && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, and up to infinity: both correct
        }
        return (short) (sign | half);
    }

    /** binary32 to bfloat16 with round-to-nearest-even; NaN stays NaN with its upper payload bits. */
    static short floatToBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            int upper = bits >>> 16;
            return (short) ((upper & 0x7f) == 0 ? upper | 0x40 : upper);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
