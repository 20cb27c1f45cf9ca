package dev.strata.pipeline.forward;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.model.DType;
import java.util.Locale;

/**
 * The type a model's matrix products run in. F32 everywhere by default on the CPU; F16 halves the memory and time of
 * the weights on a GPU. Whatever the type, the residual stream, RMSNorm, rotary embedding, attention scores and
 * softmax, and the logits stay F32, and statistics are summed in double: only the projections' inputs, weights and
 * outputs are half precision. BF16 cannot be computed: DJL 0.36 ends the JVM on a bfloat16 array (STACK.md).
 */
public enum ComputeType {
    F32(DataType.FLOAT32),
    F16(DataType.FLOAT16);

    /** The system property {@code --dtype} sets. */
    public static final String PROPERTY = "strata.dtype";

    private final DataType dataType;

    ComputeType(DataType dataType) {
        this.dataType = dataType;
    }

    public DataType dataType() {
        return dataType;
    }

    /** {@code f32} or {@code f16}; {@code what} names the option in the one-line refusal of anything else. */
    public static ComputeType parse(String text, String what) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "f32", "float32" -> F32;
            case "f16", "float16" -> F16;
            case "bf16", "bfloat16" -> throw new StrataException(what + " bf16: DJL 0.36 cannot compute in bfloat16 "
                    + "(a bfloat16 array ends the JVM); use f16 on a GPU, or f32");
            default -> throw new StrataException(what + " '" + text + "' is not a compute type (expected f32 or f16)");
        };
    }

    /**
     * The type {@code --dtype} asked for in this JVM, else the default: the checkpoint's type on a GPU where it can be
     * computed (F16), F32 on the CPU (half-precision products are slow there) and for BF16 checkpoints.
     */
    public static ComputeType current(Device device, DType checkpoint) {
        String given = System.getProperty(PROPERTY);
        if (given != null) {
            return parse(given, "--dtype");
        }
        return device.isGpu() && checkpoint == DType.F16 ? F16 : F32;
    }

    /** {@code x} in this type (itself when it is already). */
    public NDArray cast(NDArray x) {
        return as(x, dataType);
    }

    /** {@code x} as the input of a product with {@code weight}: in the weight's type. */
    static NDArray like(NDArray x, NDArray weight) {
        return as(x, weight.getDataType());
    }

    /**
     * A half-precision {@code x} in F32, what a product hands back to the residual stream; any other {@code x} itself
     * (F32, or the F64 a gradient check runs in).
     */
    public static NDArray widen(NDArray x) {
        return x.getDataType() == DataType.FLOAT16 ? x.toType(DataType.FLOAT32, false) : x;
    }

    private static NDArray as(NDArray x, DataType type) {
        return x.getDataType() == type ? x : x.toType(type, false);
    }
}
