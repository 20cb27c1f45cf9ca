package dev.strata.pipeline.forward;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.strata.pipeline.StrataException;

/** Chooses the DJL device: "cpu", "gpu" or "gpu:N"; by default the first GPU when DJL sees one, else the CPU. */
public final class Devices {
    private Devices() {
    }

    /** The default device of this JVM. */
    public static Device defaultDevice() {
        return engine().getGpuCount() > 0 ? Device.gpu(0) : Device.cpu();
    }

    /**
     * Parses a device option; null or empty means {@link #defaultDevice()}.
     *
     * @param option names the option in error messages (e.g. "--device")
     */
    public static Device parse(String spec, String option) {
        if (spec == null || spec.isBlank()) {
            return defaultDevice();
        }
        String s = spec.trim().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        if (s.equals("gpu") || s.matches("gpu:\\d+")) {
            int id = s.equals("gpu") ? 0 : Integer.parseInt(s.substring(4));
            int count = engine().getGpuCount();
            if (id >= count) {
                throw new StrataException(option + " " + spec + ": DJL sees " + count + " GPU" + (count == 1 ? "" : "s")
                        + " (the PyTorch native library in use is " + (count == 0 ? "CPU-only" : "CUDA")
                        + "); use --device cpu or a GPU index below " + count);
            }
            return Device.gpu(id);
        }
        throw new StrataException(option + " '" + spec + "' is not a device (expected cpu, gpu or gpu:N)");
    }

    /**
     * Sets PyTorch's intra-op threads for the calling Java thread only (PyTorch keeps the count per thread), so
     * that tasks running side by side each use their own share of the cores.
     */
    public static void setThreadsOfThisThread(int threads) {
        engine();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
    }

    /** The PyTorch engine, started on first use (the native library comes from the Maven Central jars). */
    public static Engine engine() {
        try {
            return Engine.getEngine("PyTorch");
        } catch (RuntimeException | UnsatisfiedLinkError ex) {
            throw new StrataException("cannot start DJL's PyTorch engine (" + ex.getMessage()
                    + "); run with -Dai.djl.offline=true and the pytorch-native jar for this platform on the classpath", ex);
        }
    }
}
