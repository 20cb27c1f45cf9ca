package dev.strata.pipeline.tailor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.strata.pipeline.compress.ReportSection;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The search's report section on trials whose best-so-far, Pareto front and verdict are worked out by hand. */
class SearchReportTest {
    private static final SearchSpace SPACE = new SearchSpace(5, 1, 1);
    private static final int FULL = 12;

    private static Trial trial(int round, int budget, int removed, double... objectives) {
        return new Trial(new Proposal(round, 0, 0, 0, budget, SPACE.baseOnly(List.of(removed))), Result.of(objectives));
    }

    private static final List<Trial> TRIALS = List.of(
            trial(0, 4, 0, 1, 1), // cheap: neither the best nor on the front, however good
            trial(1, FULL, 1, 3, 1), // mean 2
            trial(2, FULL, 2, 1, 2), // mean 1.5, the best
            trial(3, FULL, 3, 2, 2)); // dominated by r2

    private static SearchReport.Reference reference(String source, int removed, double... objectives) {
        int index = switch (source) {
            case "base" -> -1;
            case "qa" -> 0;
            default -> 1;
        };
        return new SearchReport.Reference(index, source, List.of(removed), objectives, new int[] {50, 7});
    }

    private static final List<SearchReport.Reference> REFERENCES = List.of(reference("base", 0, 2, 2),
            reference("base", 1, 1, 1), reference("qa", 0, 3, 3), reference("qa", 4, 2.5, 3));

    private static ReportSection section(SearchReport.Reference tailored) {
        return new SearchReport("random with the random sampler", List.of("copa", "tinystories"),
                ChoiceObjective.ERROR, TRIALS, FULL).section(TRIALS.get(2), tailored, REFERENCES);
    }

    @Test
    void bestSoFarCountsOnlyFullBudgetTrials() {
        String md = section(null).markdown();
        assertTrue(md.contains("|1|none yet|\n|2|2.0000|\n|3|1.5000|\n|4|1.5000|\n"), md);
        assertTrue(md.contains("4 trials (3 at the full budget of 12 examples per task)"), md);
        assertTrue(md.contains("trial r2.b0.s0.c0 (mean objective 1.5000)"), md);
        assertTrue(md.contains("copa error (1 - acc), tinystories token perplexity over the base's"), md);
        assertTrue(!md.contains("held-out half"), "no references were scored: " + md);
    }

    @Test
    void theFrontHoldsTheUndominatedFullBudgetTrialsByMean() {
        String md = section(null).markdown();
        assertTrue(md.contains("holds 2 of the 3 full-budget trials"), md);
        assertTrue(md.contains("|Trial|Removed|copa|tinystories|Mean|\n|---|---:|---:|---:|---:|\n"
                + "|r2.b0.s0.c0|[2]|1.0000|2.0000|1.5000|\n|r1.b0.s0.c0|[1]|3.0000|1.0000|2.0000|\n\n"), md);
        String html = section(null).html();
        assertEquals(3, html.split("data-series=\"trial\"", -1).length - 1, "a dot per full-budget trial");
        assertEquals(2, html.split("data-series=\"Pareto front\"", -1).length - 1, "a dot per trial on the front");
    }

    @Test
    void theWholeHalfTableShowsEachSourcesBestBlockAndTheVerdict() {
        String md = section(reference("tailored", 2, 0.5, 1)).markdown();
        assertTrue(md.contains("|tailored (the exported candidate)|[2]|0.5000 (50)|1.0000 (7)|0.7500|\n"
                + "|base, best block removed|[1]|1.0000 (50)|1.0000 (7)|1.0000|\n"
                + "|qa, best block removed|[4]|2.5000 (50)|3.0000 (7)|2.7500|\n"), md);
        assertTrue(md.contains("is lower than that of the base and of every variant"), md);

        String worse = section(reference("tailored", 2, 1, 1.5)).markdown();
        assertTrue(worse.contains("is not lower than that of: base (each with its best block removed)"), worse);
    }

    @Test
    void checkpointsFallAboutEveryTenthAndAtTheEnd() {
        assertEquals(List.of(20, 40, 60, 80, 100, 120, 140, 160, 180, 200), SearchReport.checkpoints(200));
        assertEquals(List.of(1, 2, 3), SearchReport.checkpoints(3));
    }
}
