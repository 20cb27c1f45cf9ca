package dev.strata.pipeline.testing;

import dev.strata.pipeline.model.Checkpoint;
import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.model.LlamaLayout;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;

/**
 * The test oracle: a Llama forward pass in plain Java double-precision loops, written for clarity only
 * (one sequence, no batching, no DJL). It reads weights in Hugging Face layout; with {@code interleavedRope}
 * it rotates interleaved channel pairs (2i, 2i+1) as llama2.c does, for weights in llama2.c's row order.
 */
public final class ReferenceLlama {
    private final int d;
    private final int ff;
    private final int heads;
    private final int kvHeads;
    private final int hd;
    private final int vocab;
    private final double eps;
    /** The rotary frequency of each channel pair: theta^(-2i/d), scaled as Llama 3.1 scales them. */
    private final double[] frequency;
    private final boolean interleavedRope;
    private final double[][] embed;
    private final double[][] head;
    private final double[] finalNorm;
    private final Layer[] layers;

    /** One layer's weights; the q/k/v biases are zeros for models without them (Llama, Mistral). */
    private record Layer(double[] attnNorm, double[][] wq, double[][] wk, double[][] wv, double[] bq, double[] bk,
            double[] bv, double[][] wo, double[] mlpNorm, double[][] gate, double[][] up, double[][] down) {
    }

    /** Everything one forward pass computes, indexed [position][channel]. */
    public record Trace(double[][][] hidden, double[][][] attention, double[][][] mlp, double[][] logits) {
    }

    public ReferenceLlama(Checkpoint cp, boolean interleavedRope) {
        LlamaConfig c = cp.config();
        d = c.hiddenSize();
        ff = c.intermediateSize();
        heads = c.numHeads();
        kvHeads = c.numKvHeads();
        hd = c.headDim();
        vocab = c.vocabSize();
        eps = c.rmsNormEps();
        frequency = frequencies(c);
        this.interleavedRope = interleavedRope;
        embed = matrix(cp, LlamaLayout.EMBED);
        head = c.tieWordEmbeddings() ? embed : matrix(cp, LlamaLayout.LM_HEAD);
        finalNorm = vector(cp, LlamaLayout.FINAL_NORM);
        layers = new Layer[c.numLayers()];
        for (int l = 0; l < layers.length; l++) {
            boolean bias = c.qkvBias();
            layers[l] = new Layer(vector(cp, LayerTensor.INPUT_NORM.name(l)), matrix(cp, LayerTensor.Q_PROJ.name(l)),
                    matrix(cp, LayerTensor.K_PROJ.name(l)), matrix(cp, LayerTensor.V_PROJ.name(l)),
                    bias ? vector(cp, LayerTensor.Q_BIAS.name(l)) : new double[heads * hd],
                    bias ? vector(cp, LayerTensor.K_BIAS.name(l)) : new double[kvHeads * hd],
                    bias ? vector(cp, LayerTensor.V_BIAS.name(l)) : new double[kvHeads * hd],
                    matrix(cp, LayerTensor.O_PROJ.name(l)), vector(cp, LayerTensor.POST_ATTENTION_NORM.name(l)),
                    matrix(cp, LayerTensor.GATE_PROJ.name(l)), matrix(cp, LayerTensor.UP_PROJ.name(l)),
                    matrix(cp, LayerTensor.DOWN_PROJ.name(l)));
        }
    }

    private static double[] vector(Checkpoint cp, String name) {
        float[] f = cp.tensor(name).toFloatArray();
        double[] v = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            v[i] = f[i];
        }
        return v;
    }

    private static double[][] matrix(Checkpoint cp, String name) {
        long[] shape = cp.tensor(name).shape();
        float[] f = cp.tensor(name).toFloatArray();
        double[][] m = new double[(int) shape[0]][(int) shape[1]];
        for (int r = 0; r < m.length; r++) {
            for (int col = 0; col < m[r].length; col++) {
                m[r][col] = f[r * m[r].length + col];
            }
        }
        return m;
    }

    public Trace forward(int[] tokens) {
        int n = tokens.length;
        double[][][] hidden = new double[layers.length + 1][][];
        double[][][] attention = new double[layers.length][][];
        double[][][] mlp = new double[layers.length][][];
        double[][] x = new double[n][];
        for (int t = 0; t < n; t++) {
            x[t] = embed[tokens[t]].clone();
        }
        hidden[0] = copy(x);
        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            double[][] q = new double[n][];
            double[][] k = new double[n][];
            double[][] v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] xn = rmsNorm(x[t], w.attnNorm());
                q[t] = rotate(plus(matVec(w.wq(), xn), w.bq()), t);
                k[t] = rotate(plus(matVec(w.wk(), xn), w.bk()), t);
                v[t] = plus(matVec(w.wv(), xn), w.bv());
            }
            attention[l] = new double[n][heads * hd];
            for (int t = 0; t < n; t++) {
                for (int h = 0; h < heads; h++) {
                    int g = h / (heads / kvHeads);
                    double[] scores = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        double dot = 0;
                        for (int i = 0; i < hd; i++) {
                            dot += q[t][h * hd + i] * k[s][g * hd + i];
                        }
                        scores[s] = dot / Math.sqrt(hd);
                        max = Math.max(max, scores[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= t; s++) {
                        scores[s] = Math.exp(scores[s] - max);
                        sum += scores[s];
                    }
                    for (int s = 0; s <= t; s++) {
                        for (int i = 0; i < hd; i++) {
                            attention[l][t][h * hd + i] += scores[s] / sum * v[s][g * hd + i];
                        }
                    }
                }
            }
            mlp[l] = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] o = matVec(w.wo(), attention[l][t]);
                for (int i = 0; i < d; i++) {
                    x[t][i] += o[i];
                }
                double[] xn = rmsNorm(x[t], w.mlpNorm());
                double[] g = matVec(w.gate(), xn);
                double[] u = matVec(w.up(), xn);
                double[] a = new double[ff];
                for (int j = 0; j < ff; j++) {
                    a[j] = g[j] / (1 + Math.exp(-g[j])) * u[j];
                }
                mlp[l][t] = a;
                double[] down = matVec(w.down(), a);
                for (int i = 0; i < d; i++) {
                    x[t][i] += down[i];
                }
            }
            hidden[l + 1] = copy(x);
        }
        double[][] logits = new double[n][];
        for (int t = 0; t < n; t++) {
            logits[t] = matVec(head, rmsNorm(x[t], finalNorm));
        }
        return new Trace(hidden, attention, mlp, logits);
    }

    /**
     * theta^(-2i/d) for each channel pair, with rope_scaling "llama3" applied as transformers'
     * _compute_llama3_parameters writes it (a where() for the low frequencies, then one for the medium band).
     */
    private static double[] frequencies(LlamaConfig c) {
        int half = c.headDim() / 2;
        double[] inv = new double[half];
        for (int i = 0; i < half; i++) {
            inv[i] = 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / c.headDim());
        }
        if (c.ropeScaling() == null) {
            return inv;
        }
        double factor = c.ropeScaling().factor();
        double low = c.ropeScaling().lowFreqFactor();
        double high = c.ropeScaling().highFreqFactor();
        double oldContext = c.ropeScaling().originalMaxPositions();
        double lowWavelen = oldContext / low;
        double highWavelen = oldContext / high;
        double[] scaled = new double[half];
        for (int i = 0; i < half; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            double llama = wavelen > lowWavelen ? inv[i] / factor : inv[i];
            double smooth = (oldContext / wavelen - low) / (high - low);
            double smoothed = (1 - smooth) * llama / factor + smooth * llama;
            boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
            scaled[i] = medium ? smoothed : llama;
        }
        return scaled;
    }

    /** Rotary embedding of every head in a projected vector at position {@code pos}. */
    private double[] rotate(double[] vec, int pos) {
        double[] out = vec.clone();
        int half = hd / 2;
        for (int base = 0; base < vec.length; base += hd) {
            for (int i = 0; i < half; i++) {
                double angle = pos * frequency[i];
                int a = interleavedRope ? base + 2 * i : base + i;
                int b = interleavedRope ? base + 2 * i + 1 : base + i + half;
                out[a] = vec[a] * Math.cos(angle) - vec[b] * Math.sin(angle);
                out[b] = vec[a] * Math.sin(angle) + vec[b] * Math.cos(angle);
            }
        }
        return out;
    }

    private double[] rmsNorm(double[] x, double[] w) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double scale = 1 / Math.sqrt(ss / x.length + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * scale * w[i];
        }
        return out;
    }

    private static double[] plus(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }

    private static double[] matVec(double[][] m, double[] v) {
        double[] out = new double[m.length];
        for (int r = 0; r < m.length; r++) {
            double s = 0;
            for (int c = 0; c < v.length; c++) {
                s += m[r][c] * v[c];
            }
            out[r] = s;
        }
        return out;
    }

    private static double[][] copy(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].clone();
        }
        return out;
    }

    public int vocab() {
        return vocab;
    }
}
