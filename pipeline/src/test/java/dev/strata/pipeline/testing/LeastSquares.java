package dev.strata.pipeline.testing;

/**
 * Least squares by Householder QR, in plain double loops: X minimising ||A X - B||^2 for A (n x d, n >= d, full column
 * rank) and B (n x k). An oracle that never forms A'A, so it shares nothing with a normal-equations solver.
 */
public final class LeastSquares {
    private LeastSquares() {
    }

    /** @return X, d x k */
    public static double[][] solve(double[][] a, double[][] b) {
        int n = a.length;
        int d = a[0].length;
        int k = b[0].length;
        double[][] r = new double[n][];
        double[][] q = new double[n][];
        for (int i = 0; i < n; i++) {
            r[i] = a[i].clone();
            q[i] = b[i].clone();
        }
        for (int j = 0; j < d; j++) {
            double norm = 0;
            for (int i = j; i < n; i++) {
                norm += r[i][j] * r[i][j];
            }
            norm = Math.sqrt(norm);
            double alpha = r[j][j] > 0 ? -norm : norm;
            double[] v = new double[n];
            for (int i = j; i < n; i++) {
                v[i] = r[i][j];
            }
            v[j] -= alpha;
            double vv = 0;
            for (int i = j; i < n; i++) {
                vv += v[i] * v[i];
            }
            if (vv == 0) {
                continue;
            }
            reflect(r, v, vv, j, j, d);
            reflect(q, v, vv, j, 0, k);
        }
        double[][] x = new double[d][k];
        for (int c = 0; c < k; c++) {
            for (int i = d - 1; i >= 0; i--) {
                double s = q[i][c];
                for (int m = i + 1; m < d; m++) {
                    s -= r[i][m] * x[m][c];
                }
                x[i][c] = s / r[i][i];
            }
        }
        return x;
    }

    /** Applies I - 2 v v' / (v'v) (v zero above row {@code from}) to columns [c0, c1) of m. */
    private static void reflect(double[][] m, double[] v, double vv, int from, int c0, int c1) {
        for (int c = c0; c < c1; c++) {
            double dot = 0;
            for (int i = from; i < m.length; i++) {
                dot += v[i] * m[i][c];
            }
            double f = 2 * dot / vv;
            for (int i = from; i < m.length; i++) {
                m[i][c] -= f * v[i];
            }
        }
    }
}
