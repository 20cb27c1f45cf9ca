package dev.strata.pipeline.compress;

import dev.strata.pipeline.train.TrainingLosses;

/** The losses of one training task, named as the task is ("distill layer 1 (teacher 1..2)"). */
public record TrainingRecord(String task, TrainingLosses losses) {
}
