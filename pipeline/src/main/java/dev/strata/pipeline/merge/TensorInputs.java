package dev.strata.pipeline.merge;

import dev.strata.pipeline.StrataException;
import java.util.List;

/**
 * One tensor of every model being merged, flattened: its name (DARE seeds its masks with it), the base's values
 * (null when the operator needs no base) and each model's, all of one length.
 */
public record TensorInputs(String name, float[] base, List<float[]> models) {

    public TensorInputs {
        models = List.copyOf(models);
        if (models.isEmpty()) {
            throw new StrataException("tensor '" + name + "': no models to merge");
        }
        int n = models.get(0).length;
        for (int m = 0; m < models.size(); m++) {
            if (models.get(m).length != n) {
                throw new StrataException("tensor '" + name + "': model " + m + " has " + models.get(m).length
                        + " values, model 0 has " + n);
            }
        }
        if (base != null && base.length != n) {
            throw new StrataException("tensor '" + name + "': the base has " + base.length + " values, the models " + n);
        }
    }

    /** Elements per tensor. */
    public int length() {
        return models.get(0).length;
    }

    /** The base's values, refused when absent. */
    public float[] requireBase(String operator) {
        if (base == null) {
            throw new StrataException("tensor '" + name + "': " + operator + " needs a base model");
        }
        return base;
    }

    /** Every model's difference from the base ("task vectors"), in double, fresh arrays the caller may change. */
    public double[][] deltas(String operator) {
        float[] b = requireBase(operator);
        double[][] deltas = new double[models.size()][b.length];
        for (int m = 0; m < deltas.length; m++) {
            float[] x = models.get(m);
            for (int i = 0; i < b.length; i++) {
                deltas[m][i] = (double) x[i] - b[i];
            }
        }
        return deltas;
    }
}
