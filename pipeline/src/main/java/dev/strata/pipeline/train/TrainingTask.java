package dev.strata.pipeline.train;

import dev.strata.pipeline.data.TokenWindow;
import dev.strata.pipeline.forward.LlamaModel;
import java.io.Serializable;
import java.util.Iterator;
import java.util.function.Supplier;

/**
 * Training that runs as one task, wherever the models are (a Spark executor): given the teacher, the student and the
 * training windows, it trains some of the student's layers and returns them. Tasks are values, shipped to where they
 * run; the run that schedules them writes the trained layers into the student and records the losses.
 */
public interface TrainingTask extends Serializable {
    /** What is trained, for progress lines and the losses record ("distill layer 1 (teacher 1..2)"). */
    String name();

    /** How it is trained (also: its number of steps over the windows). */
    TrainSettings settings();

    /**
     * @param teacher the original model (frozen)
     * @param student the model whose layers are trained (not changed: the trained layers are copies)
     * @param epoch opens the training windows for one pass
     * @param totalSteps optimiser steps of the whole run (for the schedule)
     */
    Trained train(LlamaModel teacher, LlamaModel student, Supplier<Iterator<TokenWindow>> epoch, int totalSteps);
}
