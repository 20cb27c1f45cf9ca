package dev.strata.pipeline.score;

import java.util.List;

/**
 * Scores of one model on one calibration set, as the rows of the three score tables.
 *
 * @param tokens calibration tokens the scores average over
 * @param sequences calibration windows (the count behind the last-token scores)
 */
public record LayerScores(List<LayerScore> layers, List<BlockScore> blocks, List<ChannelScore> channels, long tokens,
        long sequences) {

    public LayerScores {
        layers = List.copyOf(layers);
        blocks = List.copyOf(blocks);
        channels = List.copyOf(channels);
    }

    /** A per-layer (or per-boundary) score. */
    public record LayerScore(int layer, Metric metric, double value) {
    }

    /** A score of the block of {@code length} consecutive layers starting at {@code start}. */
    public record BlockScore(int start, int length, Metric metric, double value) {
    }

    /** Kinds of channels: MLP neurons and attention KV groups. */
    public enum ChannelKind {
        MLP, ATTENTION;

        public String id() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The sensitivity of one channel: an MLP neuron, or an attention KV group with its query heads. */
    public record ChannelScore(int layer, ChannelKind kind, int index, double value) {
    }

    /** The value of a layer score, or NaN when there is none. */
    public double layer(Metric metric, int layer) {
        return layers.stream().filter(s -> s.metric() == metric && s.layer() == layer).mapToDouble(LayerScore::value)
                .findFirst().orElse(Double.NaN);
    }

    /** The value of a block score, or NaN when there is none. */
    public double block(Metric metric, int start, int length) {
        return blocks.stream().filter(s -> s.metric() == metric && s.start() == start && s.length() == length)
                .mapToDouble(BlockScore::value).findFirst().orElse(Double.NaN);
    }

    /**
     * Refuses scores that are not finite: names the first layer (then block) where a score is NaN or infinite, which
     * is where the model's hidden states stop being finite.
     *
     * @param model names the model scored, for the message
     */
    public LayerScores requireFinite(String model) {
        layers.stream().filter(s -> !Double.isFinite(s.value())).min(java.util.Comparator.comparingInt(LayerScore::layer))
                .ifPresent(s -> {
                    throw new dev.strata.pipeline.StrataException(model + ": " + s.metric().id() + " of layer "
                            + s.layer() + " is " + s.value() + ": the hidden states stop being finite at layer "
                            + s.layer() + " (weights too large for the compute precision?)");
                });
        blocks.stream().filter(s -> !Double.isFinite(s.value())).min(java.util.Comparator.comparingInt(BlockScore::start))
                .ifPresent(s -> {
                    throw new dev.strata.pipeline.StrataException(model + ": " + s.metric().id() + " of layers "
                            + s.start() + ".." + (s.start() + s.length() - 1) + " is " + s.value()
                            + ": the hidden states are not finite there");
                });
        return this;
    }

    /** The same scores with more layer rows (e.g. PPL-drop, computed by another pass). */
    public LayerScores withLayerRows(List<LayerScore> more) {
        List<LayerScore> all = new java.util.ArrayList<>(layers);
        all.addAll(more);
        return new LayerScores(all, blocks, channels, tokens, sequences);
    }
}
