package dev.strata.pipeline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.forward.Devices;
import java.util.List;
import org.junit.jupiter.api.Test;

/** AdamW steps against the textbook update (Loshchilov and Hutter), computed in plain Java doubles. */
class AdamWTest {

    @Test
    void stepsFollowDecoupledAdamWWithCosineScheduleAndGlobalNormClipping() {
        double lr = 0.1;
        double finalLr = 0.01;
        double wd = 0.05;
        double clip = 1.0;
        int steps = 4;
        float[] w0 = {0.5f, -1.5f, 2.0f};
        double[] w = {0.5, -1.5, 2.0};
        double[] m = new double[3];
        double[] v = new double[3];
        try (NDManager manager = NDManager.newBaseManager(Devices.engine().getEngineName())) {
            NDArray p = manager.create(w0);
            Autograd.track(p);
            AdamW adam = new AdamW(List.of(p), new TrainSettings(lr, finalLr, wd, clip, 1, 1), steps);
            for (int t = 1; t <= steps; t++) {
                // loss = sum(3 w^2): gradient 6 w, norm well above the clip
                try (Autograd rec = Autograd.record()) {
                    rec.backward(p.pow(2).mul(3).sum());
                }
                double norm = adam.step();
                double[] g = new double[3];
                double n = 0;
                for (int i = 0; i < 3; i++) {
                    g[i] = 6 * w[i];
                    n += g[i] * g[i];
                }
                n = Math.sqrt(n);
                assertEquals(n, norm, 1e-4 * n, "gradient norm at step " + t);
                double rate = finalLr + (lr - finalLr) * (1 + Math.cos(Math.PI * (t - 1) / steps)) / 2;
                for (int i = 0; i < 3; i++) {
                    double gi = g[i] * Math.min(1, clip / n);
                    m[i] = 0.9 * m[i] + 0.1 * gi;
                    v[i] = 0.999 * v[i] + 0.001 * gi * gi;
                    double mHat = m[i] / (1 - Math.pow(0.9, t));
                    double vHat = v[i] / (1 - Math.pow(0.999, t));
                    w[i] -= rate * (mHat / (Math.sqrt(vHat) + 1e-8) + wd * w[i]);
                }
                float[] got = p.toFloatArray();
                for (int i = 0; i < 3; i++) {
                    assertEquals(w[i], got[i], 1e-5, "weight " + i + " after step " + t);
                }
            }
        }
    }
}
