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

    /** Model {@code m}'s difference from the base ("task vector"), in double. */
    public double[] delta(int m, String operator) {
        float[] b = requireBase(operator);
        float[] x = models.get(m);
        double[] d = new double[x.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = (double) x[i] - b[i];
        }
        return d;
    }
}
