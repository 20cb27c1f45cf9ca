package dev.strata.pipeline.compress;

import dev.strata.pipeline.util.Choices;

/** What a method needs the run to prepare. */
public enum Need {
    /** Calibration windows of the run's text. */
    WINDOWS,
    /** The original model's layer, block and channel scores on those windows. */
    SCORES,
    /** SLEB's PPL-drop among those scores (one evaluation per layer). */
    PPL_DROP,
    /** Training (one Spark task per trained unit). */
    TRAINING;

    public String id() {
        return Choices.id(this);
    }
}
