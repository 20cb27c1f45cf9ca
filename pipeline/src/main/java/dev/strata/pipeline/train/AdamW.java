package dev.strata.pipeline.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.StrataException;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.CosineTracker;
import ai.djl.training.tracker.ParameterTracker;
import java.util.List;

/**
 * DJL's AdamW (decoupled weight decay) on a fixed list of parameters, with the cosine learning-rate schedule of
 * {@link TrainSettings} and clipping by the global gradient norm (DJL clips element by element only).
 */
public final class AdamW {
    private final List<NDArray> parameters;
    private final Optimizer optimizer;
    private final double clipNorm;

    public AdamW(List<NDArray> parameters, TrainSettings s, int totalSteps) {
        this.parameters = List.copyOf(parameters);
        this.clipNorm = s.clipNorm();
        CosineTracker schedule = CosineTracker.builder().setBaseValue((float) s.learningRate())
                .optFinalValue((float) s.finalLearningRate()).setMaxUpdates(Math.max(1, totalSteps)).build();
        // DJL counts updates from 1; shifted by one, step 1 uses the base rate (as PyTorch's CosineAnnealingLR)
        ParameterTracker fromFirstStep = (parameter, update) -> schedule.getNewValue(update - 1);
        this.optimizer = Optimizer.adamW().optLearningRateTracker(fromFirstStep).optWeightDecays((float) s.weightDecay())
                .build();
    }

    /**
     * Updates every parameter from its accumulated gradient, then clears the gradients.
     *
     * @return the global gradient norm before clipping
     * @throws StrataException when a gradient holds a value that is not finite (nothing is updated)
     */
    public double step() {
        try (NDManager scope = parameters.get(0).getManager().newSubManager()) {
            NDArray[] grads = new NDArray[parameters.size()];
            double squares = 0;
            for (int i = 0; i < grads.length; i++) {
                grads[i] = parameters.get(i).getGradient();
                grads[i].attach(scope);
                squares += grads[i].square().sum().getFloat();
            }
            double norm = Math.sqrt(squares);
            if (!Double.isFinite(norm)) {
                String which = nonFinite(grads);
                for (int i = 0; i < grads.length; i++) {
                    Autograd.zeroGradient(parameters.get(i));
                }
                throw new StrataException("the gradient norm is " + norm + " (not finite); no update was made; "
                        + which);
            }
            float scale = clipNorm > 0 && norm > clipNorm ? (float) (clipNorm / norm) : 1f;
            for (int i = 0; i < grads.length; i++) {
                NDArray g = scale == 1f ? grads[i] : grads[i].mul(scale);
                optimizer.update("p" + i, parameters.get(i), g);
                Autograd.zeroGradient(parameters.get(i));
            }
            return norm;
        }
    }

    /** Which gradients and weights hold values that are not finite, with their largest magnitudes. */
    private String nonFinite(NDArray[] grads) {
        StringBuilder out = new StringBuilder("parameters (index: max |grad|, max |weight|):");
        for (int i = 0; i < grads.length; i++) {
            float g = grads[i].abs().max().getFloat();
            float w = parameters.get(i).abs().max().getFloat();
            if (!Float.isFinite(g) || !Float.isFinite(w) || g > 1e6) {
                out.append(String.format(" %d: %.3g, %.3g;", i, g, w));
            }
        }
        return out.toString();
    }
}
