package dev.strata.pipeline.tailor;

import java.io.Serializable;

/** A proposal and the result told for it: one row of the trials table. */
public record Trial(Proposal proposal, Result result) implements Serializable {
}
