package dev.strata.pipeline.eval.task;

import java.nio.file.Path;

/** A task scored by perplexity over a text: one BOS, non-overlapping windows of the model's context. */
public non-sealed interface TextTask extends Task {
    /** The whole text. */
    String read(Path dataDir);
}
