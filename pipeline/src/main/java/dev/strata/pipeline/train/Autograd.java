package dev.strata.pipeline.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Records the operations of the current thread for backpropagation (PyTorch's grad mode, which is per thread).
 * DJL's GradientCollector allows one collector per JVM at a time, which would serialise Spark tasks training
 * different layers in one executor; this scope only touches the calling thread's grad mode.
 */
public final class Autograd implements AutoCloseable {
    private final boolean before;

    private Autograd(boolean before) {
        this.before = before;
    }

    /** Starts recording on this thread until {@link #close()}. */
    public static Autograd record() {
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        return new Autograd(before);
    }

    /** Adds d(loss)/d(p) to the gradient of every parameter p that requires one; {@code loss} is a scalar. */
    public void backward(NDArray loss) {
        try (NDManager scope = loss.getManager().newSubManager()) {
            NDArray seed = scope.ones(loss.getShape(), loss.getDataType());
            JniUtils.backward((PtNDArray) loss, (PtNDArray) seed, false, false);
        }
    }

    /** Marks {@code parameter} as trainable: backward fills its gradient. */
    public static void track(NDArray parameter) {
        parameter.setRequiresGradient(true);
    }

    /** Clears the accumulated gradient of {@code parameter}. */
    public static void zeroGradient(NDArray parameter) {
        JniUtils.zeroGrad((PtNDArray) parameter);
    }

    @Override
    public void close() {
        JniUtils.setGradMode(before);
    }
}
