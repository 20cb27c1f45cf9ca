package dev.strata.pipeline.tailor;

import dev.strata.pipeline.StrataException;
import dev.strata.pipeline.forward.LlamaModel;
import dev.strata.pipeline.merge.ArchitectureCheck;
import dev.strata.pipeline.model.LlamaLayout.LayerTensor;
import java.util.Arrays;
import java.util.List;

/**
 * Whether variants can lend their layers to the base: on the base's device, of the same config (how weights are
 * stored aside), layer by layer of the same shapes, and with the same vocabulary, so that a variant's layer reads
 * the base's embeddings as it read its own.
 */
final class VariantCheck {
    private VariantCheck() {
    }

    /** Refuses the first variant that differs, naming it and its first difference, in one line. */
    static void requireMatching(LlamaModel base, List<LlamaModel> variants) {
        for (int m = 0; m < variants.size(); m++) {
            String problem = difference(base, variants.get(m));
            if (problem != null) {
                throw new StrataException("variant " + m + " does not match the base: " + problem);
            }
        }
    }

    private static String difference(LlamaModel base, LlamaModel variant) {
        if (!variant.device().equals(base.device())) {
            return "it is on " + variant.device() + ", the base on " + base.device();
        }
        String config = ArchitectureCheck.configDifference(base.config(), variant.config(), true);
        if (config != null) {
            return config;
        }
        if (variant.layers().size() != base.layers().size()) {
            return "it has " + variant.layers().size() + " layers, not " + base.layers().size();
        }
        for (int l = 0; l < base.layers().size(); l++) {
            for (LayerTensor t : LayerTensor.of(base.config())) {
                long[] want = base.layers().get(l).weight(t).getShape().getShape();
                long[] got = variant.layers().get(l).weight(t).getShape().getShape();
                if (!Arrays.equals(want, got)) {
                    return "tensor '" + t.name(l) + "' has shape " + Arrays.toString(got) + ", not "
                            + Arrays.toString(want);
                }
            }
        }
        return ArchitectureCheck.vocabularyDifference(base.assets(), variant.assets());
    }
}
