package dev.strata.pipeline.testing;

import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import java.util.List;

/**
 * The test oracle for calibration scores: every score of METHODS.md computed in plain double loops over the
 * {@link ReferenceLlama} forward pass, one window at a time, single-threaded.
 */
public final class ReferenceScores {
    /** [L] */
    public final double[] blockInfluence;
    /** [L+1] */
    public final double[] hiddenNorm;
    /** [i][j] over boundaries: mean cos(h_i, h_j) over tokens. */
    public final double[][] cosine;
    /** [i][j]: mean arccos(cos) / pi over tokens. */
    public final double[][] angleAll;
    /** [i][j]: mean arccos(cos) / pi over the windows' last tokens. */
    public final double[][] angleLast;
    /** [L][intermediate] */
    public final double[][] mlp;
    /** [L][kv heads] */
    public final double[][] attention;

    public ReferenceScores(Checkpoint cp, List<int[]> windows) {
        LlamaConfig c = cp.config();
        int layers = c.numLayers();
        int b = layers + 1;
        ReferenceLlama model = new ReferenceLlama(cp, false);
        double[][] cosSum = new double[b][b];
        double[][] angleSum = new double[b][b];
        double[][] lastSum = new double[b][b];
        double[] normSum = new double[b];
        double[][] mlpAbs = new double[layers][c.intermediateSize()];
        double[][] attnAbs = new double[layers][c.numHeads() * c.headDim()];
        long tokens = 0;
        for (int[] window : windows) {
            ReferenceLlama.Trace trace = model.forward(window);
            for (int t = 0; t < window.length; t++) {
                for (int i = 0; i < b; i++) {
                    normSum[i] += norm(trace.hidden()[i][t]);
                    for (int j = 0; j < b; j++) {
                        double cos = cos(trace.hidden()[i][t], trace.hidden()[j][t]);
                        cosSum[i][j] += cos;
                        angleSum[i][j] += angle(cos);
                        if (t == window.length - 1) {
                            lastSum[i][j] += angle(cos);
                        }
                    }
                }
                for (int l = 0; l < layers; l++) {
                    for (int k = 0; k < mlpAbs[l].length; k++) {
                        mlpAbs[l][k] += Math.abs(trace.mlp()[l][t][k]);
                    }
                    for (int k = 0; k < attnAbs[l].length; k++) {
                        attnAbs[l][k] += Math.abs(trace.attention()[l][t][k]);
                    }
                }
            }
            tokens += window.length;
        }
        blockInfluence = new double[layers];
        hiddenNorm = new double[b];
        cosine = new double[b][b];
        angleAll = new double[b][b];
        angleLast = new double[b][b];
        for (int i = 0; i < b; i++) {
            hiddenNorm[i] = normSum[i] / tokens;
            for (int j = 0; j < b; j++) {
                cosine[i][j] = cosSum[i][j] / tokens;
                angleAll[i][j] = angleSum[i][j] / tokens;
                angleLast[i][j] = lastSum[i][j] / windows.size();
            }
        }
        for (int l = 0; l < layers; l++) {
            blockInfluence[l] = 1 - cosine[l][l + 1];
        }
        int rep = c.numHeads() / c.numKvHeads();
        mlp = new double[layers][c.intermediateSize()];
        attention = new double[layers][c.numKvHeads()];
        for (int l = 0; l < layers; l++) {
            float[] down = cp.tensor(LayerTensor.DOWN_PROJ.name(l)).toFloatArray(); // [hidden, intermediate]
            float[] out = cp.tensor(LayerTensor.O_PROJ.name(l)).toFloatArray(); // [hidden, heads * head_dim]
            for (int k = 0; k < c.intermediateSize(); k++) {
                mlp[l][k] = mlpAbs[l][k] / tokens * columnAbsSum(down, c.intermediateSize(), k);
            }
            int width = c.numHeads() * c.headDim();
            for (int h = 0; h < c.numHeads(); h++) {
                for (int i = 0; i < c.headDim(); i++) {
                    int channel = h * c.headDim() + i;
                    attention[l][h / rep] += attnAbs[l][channel] / tokens * columnAbsSum(out, width, channel);
                }
            }
        }
    }

    private static double columnAbsSum(float[] rowMajor, int columns, int column) {
        double s = 0;
        for (int r = column; r < rowMajor.length; r += columns) {
            s += Math.abs(rowMajor[r]);
        }
        return s;
    }

    private static double norm(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    private static double cos(double[] x, double[] y) {
        double dot = 0;
        for (int i = 0; i < x.length; i++) {
            dot += x[i] * y[i];
        }
        return dot / (norm(x) * norm(y));
    }

    private static double angle(double cos) {
        return Math.acos(Math.max(-1, Math.min(1, cos))) / Math.PI;
    }
}
