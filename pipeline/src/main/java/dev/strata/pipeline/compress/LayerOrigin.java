package dev.strata.pipeline.compress;

import dev.strata.pipeline.train.TrainableLayers;
import dev.strata.pipeline.util.Choices;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Where a layer of a compressed model comes from: what it is ({@link Kind}) and one source per original layer it
 * stands for, with the channels of that layer whose weights it holds, in the order the layer holds them (channel i
 * of the layer is the i-th listed, sources in order). A source with no channels is an original layer the layer
 * stands for without holding its weights (a block a replacement took over).
 */
public record LayerOrigin(Kind kind, List<Source> sources) {

    /** What a layer of a compressed model is. */
    public enum Kind {
        /** An original layer, unchanged. */
        ORIGINAL,
        /** CoMe's concatenation of the channels of adjacent layers. */
        CONCAT_MERGE,
        /** A decoder layer trained in place of a block (LLM-Streamline), initialised from the block's first layer. */
        REPLACEMENT_LAYER,
        /** A feed-forward network trained in place of a block (LLM-Streamline); its attention is zero. */
        REPLACEMENT_FFN,
        /** The layer before a removed block with a linear map folded into its down_proj (ReplaceMe). */
        LINEAR_FOLD,
        /** A fine-tuned variant's layer in place of the base's, unchanged (GPTailor); its source names the variant. */
        VARIANT,
        /**
         * A parameter merge of the base's layer (the source without a variant) and variants' layers (GPTailor), by the
         * step's merge method; each variant's coefficient is the lambda that scales the differences from the base.
         */
        PARAMETER_MERGE;

        public String id() {
            return Choices.id(this);
        }

        /** The weights that train in such a layer: the MLP alone of a feed-forward one (its attention stays zero). */
        public TrainableLayers.Part trainedPart() {
            return this == REPLACEMENT_FFN ? TrainableLayers.Part.MLP : TrainableLayers.Part.WHOLE_LAYER;
        }
    }

    public LayerOrigin {
        sources = List.copyOf(sources);
    }

    /**
     * Channels kept from one original layer: KV groups and MLP neurons, by their index in that layer.
     *
     * @param coefficient the weight of this source in a parameter merge, or null where the layer is no such merge
     * @param variant the fine-tuned variant whose copy of the layer this is (GPTailor), or null for the model's own
     */
    public record Source(int originalLayer, int[] kvGroups, int[] mlpNeurons, Double coefficient, Integer variant) {
        public Source(int originalLayer, int[] kvGroups, int[] mlpNeurons) {
            this(originalLayer, kvGroups, mlpNeurons, null, null);
        }

        public Source(int originalLayer, int[] kvGroups, int[] mlpNeurons, Double coefficient) {
            this(originalLayer, kvGroups, mlpNeurons, coefficient, null);
        }

        /** An original layer stood for without any of its weights. */
        static Source standIn(int originalLayer) {
            return new Source(originalLayer, new int[0], new int[0]);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Source s && s.originalLayer == originalLayer && Arrays.equals(s.kvGroups, kvGroups)
                    && Arrays.equals(s.mlpNeurons, mlpNeurons) && java.util.Objects.equals(s.coefficient, coefficient)
                    && java.util.Objects.equals(s.variant, variant);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * (31 * originalLayer + Arrays.hashCode(kvGroups)) + Arrays.hashCode(mlpNeurons))
                    + java.util.Objects.hashCode(variant);
        }
    }

    /** Original layer {@code layer}, whole. */
    public static LayerOrigin original(int layer, int kvGroups, int mlpNeurons) {
        return new LayerOrigin(Kind.ORIGINAL, List.of(new Source(layer, all(kvGroups), all(mlpNeurons))));
    }

    /**
     * A layer standing for the block of original layers {@code block} (in order), built from the weights of the first
     * one's {@code kvGroups} and {@code mlpNeurons}.
     */
    public static LayerOrigin forBlock(Kind kind, List<Integer> block, int[] kvGroups, int[] mlpNeurons) {
        List<Source> sources = new ArrayList<>();
        sources.add(new Source(block.get(0), kvGroups, mlpNeurons));
        block.subList(1, block.size()).forEach(l -> sources.add(Source.standIn(l)));
        return new LayerOrigin(kind, sources);
    }

    /** 0 .. n-1. */
    public static int[] all(int n) {
        return IntStream.range(0, n).toArray();
    }

    /** The original layers this layer stands for, in order. */
    public List<Integer> originalLayers() {
        return sources.stream().map(Source::originalLayer).toList();
    }

    /** True when the layer is the result of a concatenation merge. */
    public boolean isMerged() {
        return kind == Kind.CONCAT_MERGE;
    }

    /** True when the layer is not an original layer as it was. */
    public boolean isChanged() {
        return kind != Kind.ORIGINAL;
    }

    /** The origin of a concatenation merge: channels {@code groupsA}/{@code neuronsA} of a, then those of b. */
    public static LayerOrigin concat(LayerOrigin a, int[] groupsA, int[] neuronsA, LayerOrigin b, int[] groupsB,
            int[] neuronsB) {
        List<int[]> groups = new ArrayList<>(a.select(groupsA, true));
        groups.addAll(b.select(groupsB, true));
        List<int[]> neurons = new ArrayList<>(a.select(neuronsA, false));
        neurons.addAll(b.select(neuronsB, false));
        List<Integer> layers = new ArrayList<>(a.originalLayers());
        layers.addAll(b.originalLayers());
        List<Source> out = new ArrayList<>();
        for (int layer : layers) {
            out.add(new Source(layer, indicesOf(groups, layer), indicesOf(neurons, layer)));
        }
        return new LayerOrigin(Kind.CONCAT_MERGE, out);
    }

    /** The (original layer, original index) pairs of the given channels of this layer. */
    private List<int[]> select(int[] channels, boolean kv) {
        List<int[]> all = new ArrayList<>();
        for (Source s : sources) {
            for (int i : kv ? s.kvGroups() : s.mlpNeurons()) {
                all.add(new int[] {s.originalLayer(), i});
            }
        }
        List<int[]> out = new ArrayList<>();
        for (int c : channels) {
            out.add(all.get(c));
        }
        return out;
    }

    private static int[] indicesOf(List<int[]> channels, int layer) {
        return channels.stream().filter(c -> c[0] == layer).mapToInt(c -> c[1]).toArray();
    }
}
