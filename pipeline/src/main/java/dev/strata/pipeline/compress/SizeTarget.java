package dev.strata.pipeline.compress;

import dev.strata.pipeline.model.LlamaConfig;
import dev.strata.pipeline.settings.Param;
import dev.strata.pipeline.settings.Params;
import dev.strata.pipeline.settings.Settings;
import java.util.List;
import java.util.TreeSet;
import java.util.function.IntToLongFunction;

/**
 * How small a method makes the model, said the same way for every method that removes layers: {@code layers}, the
 * number of layers removed (a list asks for one model per count), or {@code target_params}, the largest share of the
 * original parameters to keep (the fewest removals that reach it, counted as the method counts its parameters).
 */
public final class SizeTarget {
    public static final Param<List<Integer>> LAYERS = Param.integers("layers", null,
            "Layers to remove; a list gives one model per count (e.g. 1,2).");
    public static final Param<Double> TARGET_PARAMS = Param.number("target_params", null,
            "Instead of --layers: remove the fewest layers that leave at most this share (0..1) of the parameters.")
            .label("R").check(Param.fraction());
    public static final Params PARAMS = Params.of(LAYERS, TARGET_PARAMS);

    private SizeTarget() {
    }

    /**
     * The numbers of layers to remove, ascending: {@code layers}, or the fewest removals whose model keeps at most
     * {@code target_params} of the original's parameters.
     *
     * @param parametersAfter the parameters that compute after removing k layers (k = 1 .. layers - 1)
     */
    public static List<Integer> removals(Settings s, LlamaConfig original, IntToLongFunction parametersAfter) {
        List<Integer> layers = s.get(LAYERS);
        Double share = s.get(TARGET_PARAMS);
        if ((layers == null) == (share == null)) {
            throw s.invalid(LAYERS, "or " + s.name(TARGET_PARAMS) + ": give exactly one of them");
        }
        int n = original.numLayers();
        if (layers != null) {
            if (layers.isEmpty()) {
                throw s.invalid(LAYERS, "must name at least one layer count");
            }
            for (int k : layers) {
                if (k < 1 || k >= n) {
                    throw s.invalid(LAYERS, k + " must lie in 1.." + (n - 1) + " (the model has " + n
                            + " layers, and at least one must stay)");
                }
            }
            return List.copyOf(new TreeSet<>(layers));
        }
        double budget = share * original.parameterCount();
        for (int k = 1; k < n; k++) {
            if (parametersAfter.applyAsLong(k) <= budget) {
                return List.of(k);
            }
        }
        throw s.invalid(TARGET_PARAMS, share + " cannot be met: removing " + (n - 1) + " of " + n + " layers keeps "
                + String.format("%.3f", (double) parametersAfter.applyAsLong(n - 1) / original.parameterCount())
                + " of the parameters");
    }

    /** The parameters after removing k whole layers. */
    public static IntToLongFunction wholeLayers(LlamaConfig original) {
        return k -> original.withNumLayers(original.numLayers() - k).parameterCount();
    }
}
