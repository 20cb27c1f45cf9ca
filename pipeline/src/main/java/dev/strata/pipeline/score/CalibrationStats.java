package dev.strata.pipeline.score;

import ai.djl.ndarray.NDManager;
import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.forward.Capture;
import dev.strata.pipeline.forward.ForwardOutput;
import dev.strata.pipeline.forward.LlamaModel;
import java.util.List;

/** Every calibration statistic of one model: hidden-state similarities and channel activity. */
public final class CalibrationStats implements ScoreAccumulator<CalibrationStats>, WindowStatistic<CalibrationStats> {
    private static final long serialVersionUID = 1L;
    /** What the forward pass must record for these statistics. */
    public static final Capture CAPTURE = new Capture(true, true, true, false, false);

    private final HiddenStateStats hidden;
    private final ChannelStats channels;

    private CalibrationStats(HiddenStateStats hidden, ChannelStats channels) {
        this.hidden = hidden;
        this.channels = channels;
    }

    /** No data: the identity of {@link #merge}. */
    public static CalibrationStats empty() {
        return new CalibrationStats(HiddenStateStats.empty(), ChannelStats.empty());
    }

    /** Empty statistics for {@code model} (its weight norms included). */
    public static CalibrationStats forModel(LlamaModel model) {
        return new CalibrationStats(HiddenStateStats.empty(), ChannelStats.forModel(model));
    }

    /** Runs the capturing forward pass over a batch and adds its statistics. */
    @Override
    public void add(LlamaModel model, List<TokenWindow> batch) {
        try (NDManager scope = model.newScope()) {
            add(model.forward(model.tokens(scope, batch.stream().map(TokenWindow::tokens).toList()), CAPTURE));
        }
    }

    @Override
    public void add(ForwardOutput batch) {
        hidden.add(batch);
        channels.add(batch);
    }

    @Override
    public CalibrationStats merge(CalibrationStats other) {
        hidden.merge(other.hidden);
        channels.merge(other.channels);
        return this;
    }

    public long tokens() {
        return hidden.tokens();
    }

    public HiddenStateStats hidden() {
        return hidden;
    }

    /** The score tables. */
    public LayerScores scores() {
        return new LayerScores(hidden.layerScores(), hidden.blockScores(), channels.channelScores(), hidden.tokens(),
                hidden.sequences());
    }
}
