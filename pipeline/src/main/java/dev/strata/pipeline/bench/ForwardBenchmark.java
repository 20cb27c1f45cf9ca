package dev.strata.pipeline.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.forward.Devices;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.model.LlamaConfig;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Measures the forward pass on random weights of a real shape against the machine's dense fp32 matmul rate,
 * both in the same run: tokens/s, achieved GFLOP/s and their ratio to the matmul figure.
 */
public final class ForwardBenchmark {
    private static final Logger LOG = LogManager.getLogger(ForwardBenchmark.class);
    /** Square GEMM size for the machine's matmul figure. */
    public static final int MATMUL_SIZE = 2048;
    /** Timed GEMMs for the matmul figure. */
    public static final int MATMUL_REPS = 10;

    private ForwardBenchmark() {
    }

    /**
     * @param secondsPerForward median wall time of one forward of batch x seq tokens
     * @param flopsPerForward matmul FLOPs of one forward (projections, attention scores and mixing, head)
     * @param matmulGflops the machine's dense fp32 matmul rate measured in this run
     */
    public record Result(String shape, int layers, int batch, int seq, String device, double secondsPerForward,
            double flopsPerForward, double matmulGflops) {
        public double tokensPerSecond() {
            return batch * (double) seq / secondsPerForward;
        }

        public double achievedGflops() {
            return flopsPerForward / secondsPerForward / 1e9;
        }

        /** Achieved GFLOP/s over the matmul figure. */
        public double ratio() {
            return achievedGflops() / matmulGflops;
        }
    }

    public static Result run(ModelShape shape, int layers, int seq, int batch, int iterations, Device device) {
        if (layers < 1 || seq < 1 || batch < 1 || iterations < 1) {
            throw new StrataException("--layers, --seq, --batch and --iterations must be at least 1");
        }
        LlamaConfig config = shape.config(layers);
        if (seq > config.maxPositions()) {
            throw new StrataException("--seq " + seq + " is above the " + config.maxPositions() + "-token context of "
                    + shape.id());
        }
        LOG.info("bench forward: {} with {} layers ({} M parameters), batch {} x seq {}, {} on {}", shape.id(), layers,
                config.parameterCount() / 1_000_000, batch, seq, iterations, device);
        double matmul = matmulGflops(device, MATMUL_REPS);
        try (LlamaModel model = LlamaModel.fromCheckpoint(RandomWeights.checkpoint(config, 7), device)) {
            long[][] ids = randomTokens(batch, seq, config.vocabSize());
            double[] seconds = new double[iterations];
            timeForward(model, ids); // warm-up
            for (int i = 0; i < iterations; i++) {
                seconds[i] = timeForward(model, ids);
                LOG.info("bench forward: iteration {}/{}: {} s", i + 1, iterations, String.format("%.3f", seconds[i]));
            }
            return new Result(shape.id(), layers, batch, seq, device.toString(), median(seconds),
                    forwardFlops(config, batch, seq), matmul);
        }
    }

    /** Matmul FLOPs of one forward: q/k/v/o and MLP projections, QK^T and PV over the full square, the head. */
    public static double forwardFlops(LlamaConfig c, int batch, int seq) {
        double tokens = (double) batch * seq;
        double d = c.hiddenSize();
        double q = (double) c.numHeads() * c.headDim();
        double kv = (double) c.numKvHeads() * c.headDim();
        double projections = 2 * (d * q + 2 * d * kv + q * d + 3 * d * c.intermediateSize());
        double attention = 2 * 2 * seq * q;
        double head = 2 * d * c.vocabSize();
        return tokens * (c.numLayers() * (projections + attention) + head);
    }

    private static double timeForward(LlamaModel model, long[][] ids) {
        try (NDManager scope = model.newScope()) {
            NDArray tokens = model.tokens(scope, ids);
            long start = System.nanoTime();
            NDArray logits = model.logits(tokens);
            logits.get(0, 0, 0).getFloat(); // wait for the device
            return (System.nanoTime() - start) / 1e9;
        }
    }

    /**
     * Median rate of {@code reps} square fp32 GEMMs of size {@link #MATMUL_SIZE} after two warm-ups, in GFLOP/s.
     * The median (like the forward's) keeps the ratio honest on machines whose speed drifts between runs.
     */
    public static double matmulGflops(Device device, int reps) {
        try (NDManager m = NDManager.newBaseManager(device, Devices.engine().getEngineName())) {
            NDArray a = m.randomUniform(-1, 1, new Shape(MATMUL_SIZE, MATMUL_SIZE));
            NDArray b = m.randomUniform(-1, 1, new Shape(MATMUL_SIZE, MATMUL_SIZE));
            double[] seconds = new double[reps];
            for (int i = -2; i < reps; i++) {
                long start = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    c.get(0, 0).getFloat();
                }
                if (i >= 0) {
                    seconds[i] = (System.nanoTime() - start) / 1e9;
                }
            }
            return 2.0 * MATMUL_SIZE * MATMUL_SIZE * MATMUL_SIZE / median(seconds) / 1e9;
        }
    }

    private static long[][] randomTokens(int batch, int seq, int vocab) {
        SplittableRandom rng = new SplittableRandom(11);
        long[][] ids = new long[batch][seq];
        for (long[] row : ids) {
            for (int t = 0; t < seq; t++) {
                row[t] = rng.nextInt(vocab);
            }
        }
        return ids;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
