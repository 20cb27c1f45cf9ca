package dev.strata.pipeline.model;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/** Frees a direct buffer at once (through the JDK's sun.misc.Unsafe.invokeCleaner, the one supported way). */
final class DirectMemory {
    private static final sun.misc.Unsafe UNSAFE = unsafe();

    private DirectMemory() {
    }

    static void free(ByteBuffer buffer) {
        UNSAFE.invokeCleaner(buffer);
    }

    private static sun.misc.Unsafe unsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException ex) {
            throw new IllegalStateException("sun.misc.Unsafe is not available", ex);
        }
    }
}
