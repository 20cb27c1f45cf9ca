package dev.strata.pipeline.compress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Where a layer of a compressed model comes from: one source per original layer, with the channels of that layer
 * it holds, in the order the layer holds them (channel i of the layer is the i-th listed, sources in order).
 */
public record LayerOrigin(List<Source> sources) {

    public LayerOrigin {
        sources = List.copyOf(sources);
    }

    /** Channels kept from one original layer: KV groups and MLP neurons, by their index in that layer. */
    public record Source(int originalLayer, int[] kvGroups, int[] mlpNeurons) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Source s && s.originalLayer == originalLayer && Arrays.equals(s.kvGroups, kvGroups)
                    && Arrays.equals(s.mlpNeurons, mlpNeurons);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * originalLayer + Arrays.hashCode(kvGroups)) + Arrays.hashCode(mlpNeurons);
        }
    }

    /** Original layer {@code layer}, whole. */
    public static LayerOrigin original(int layer, int kvGroups, int mlpNeurons) {
        return new LayerOrigin(List.of(new Source(layer, IntStream.range(0, kvGroups).toArray(),
                IntStream.range(0, mlpNeurons).toArray())));
    }

    /** The original layers this layer stands for, in order. */
    public List<Integer> originalLayers() {
        return sources.stream().map(Source::originalLayer).toList();
    }

    /** True when the layer is the result of a merge. */
    public boolean isMerged() {
        return sources.size() > 1;
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
        return new LayerOrigin(out);
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
