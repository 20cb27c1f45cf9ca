package dev.strata.pipeline.score;

import dev.strata.pipeline.StrataException;
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
     * Refuses scores that are not finite, naming the layer after which the hidden states stop being finite: the
     * earliest hidden-state boundary a non-finite score depends on (then a non-finite PPL-drop, which depends on all).
     *
     * @param model names the model scored, for the message
     */
    public LayerScores requireFinite(String model) {
        int earliest = Integer.MAX_VALUE;
        String evidence = null;
        for (LayerScore s : layers) {
            int boundary = s.metric().lastBoundary(s.layer());
            if (!Double.isFinite(s.value()) && boundary >= 0 && boundary < earliest) {
                earliest = boundary;
                evidence = s.metric().id() + " of layer " + s.layer() + " is " + s.value();
            }
        }
        for (BlockScore s : blocks) {
            if (!Double.isFinite(s.value()) && s.start() + s.length() < earliest) {
                earliest = s.start() + s.length();
                evidence = s.metric().id() + " of layers " + s.start() + ".." + (earliest - 1) + " is " + s.value();
            }
        }
        if (evidence != null) {
            throw new StrataException(model + ": " + (earliest == 0 ? "the token embeddings are not finite"
                    : "the hidden states stop being finite at layer " + (earliest - 1)) + " (" + evidence
                    + "; weights too large for the compute precision?)");
        }
        layers.stream().filter(s -> !Double.isFinite(s.value())).findFirst().ifPresent(s -> {
            throw new StrataException(model + ": " + s.metric().id() + " of layer " + s.layer() + " is " + s.value());
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
