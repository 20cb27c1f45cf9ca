package dev.strata.pipeline.model;

/**
 * Llama 3.1's rope_scaling (rope_type "llama3"): rotary frequencies whose wavelength exceeds the original context
 * divided by {@code lowFreqFactor} are slowed by {@code factor}, those shorter than the original context divided by
 * {@code highFreqFactor} are kept, and those between are interpolated, so that a model trained on
 * {@code originalMaxPositions} tokens reads longer contexts.
 */
public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {

    /** The scaled inverse frequencies of {@code inverse} (1 / theta^(2i/d)), as transformers computes them. */
    public double[] apply(double[] inverse) {
        double lowFreqWavelength = originalMaxPositions / lowFreqFactor;
        double highFreqWavelength = originalMaxPositions / highFreqFactor;
        double[] out = new double[inverse.length];
        for (int i = 0; i < inverse.length; i++) {
            double wavelength = 2 * Math.PI / inverse[i];
            if (wavelength < highFreqWavelength) {
                out[i] = inverse[i];
            } else if (wavelength > lowFreqWavelength) {
                out[i] = inverse[i] / factor;
            } else {
                double smooth = (originalMaxPositions / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                out[i] = (1 - smooth) * inverse[i] / factor + smooth * inverse[i];
            }
        }
        return out;
    }
}
