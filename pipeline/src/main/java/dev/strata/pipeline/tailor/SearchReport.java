package dev.strata.pipeline.tailor;

import dev.strata.pipeline.compress.ReportSection;
import dev.strata.pipeline.eval.report.SvgPlot;
import dev.strata.pipeline.eval.report.Table;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The search's part of the report: the best mean objective at the full budget against the trials done, the Pareto
 * front of the full-budget trials, and, on the whole held-out half, the tailored model beside the base and each
 * variant with its best block of layers removed (what the search has to beat to be worth its trials).
 */
final class SearchReport {
    /**
     * A model scored on the whole held-out half: a source's layers with {@code removed} taken out.
     *
     * @param sourceIndex -1 for the base, else the variant's position (names may repeat; positions do not)
     */
    record Reference(int sourceIndex, String source, List<Integer> removed, double[] objectives, int[] examples) {
        double mean() {
            return Result.mean(objectives);
        }
    }

    private final String what;
    private final List<String> tasks;
    private final ChoiceObjective objective;
    private final List<Trial> trials;
    private final int fullBudget;

    /**
     * @param what one line on the search (optimiser, sampler, seed)
     * @param trials every told trial, in the order told
     */
    SearchReport(String what, List<String> tasks, ChoiceObjective objective, List<Trial> trials, int fullBudget) {
        this.what = what;
        this.tasks = List.copyOf(tasks);
        this.objective = objective;
        this.trials = List.copyOf(trials);
        this.fullBudget = fullBudget;
    }

    /**
     * @param best the trial exported
     * @param tailored the exported model on the whole held-out half, or null when not scored
     * @param references the base and each variant with each block removed, on the whole held-out half
     */
    ReportSection section(Trial best, Reference tailored, List<Reference> references) {
        List<Trial> full = trials.stream().filter(t -> t.proposal().budget() >= fullBudget).toList();
        StringBuilder md = new StringBuilder();
        StringBuilder html = new StringBuilder();
        String intro = String.format(Locale.ROOT, "%d trials (%d at the full budget of %d examples per task): %s. "
                + "Objectives, each minimised: %s. The exported candidate is trial %s (mean objective %s): %s.",
                trials.size(), full.size(), fullBudget, what, objectiveNames(), best.proposal().id(),
                fmt(best.result().mean()), GenotypeJson.write(best.proposal().genotype()));
        md.append(intro).append("\n\n");
        html.append("<p>").append(escape(intro)).append("</p>\n");

        Table progress = new Table("Trials done", "Best mean objective at the full budget");
        for (int done : checkpoints(trials.size())) {
            double bestSoFar = bestMean(trials.subList(0, done));
            progress.row(Integer.toString(done), Double.isNaN(bestSoFar) ? "none yet" : fmt(bestSoFar));
        }
        md.append("### Best so far\n\n").append(progress.markdown()).append('\n');
        html.append("<h3>Best so far</h3>\n").append(progressPlot().svg()).append('\n').append(progress.html());

        List<Trial> front = new ArrayList<>(ParetoFront.ofTrials(full));
        front.sort(Comparator.comparingDouble(t -> t.result().mean()));
        List<String> header = new ArrayList<>(List.of("Trial", "Removed"));
        header.addAll(tasks);
        header.add("Mean");
        Table pareto = new Table(header.toArray(String[]::new));
        for (Trial t : front) {
            List<String> row = new ArrayList<>(List.of(t.proposal().id(), t.proposal().genotype().removed().toString()));
            Arrays.stream(t.result().objectives()).mapToObj(SearchReport::fmt).forEach(row::add);
            row.add(fmt(t.result().mean()));
            pareto.row(row);
        }
        String frontIntro = "The Pareto front holds " + front.size() + " of the " + full.size() + " full-budget trials "
                + "(those no other trial matches on every task and beats on one).";
        md.append("### Pareto front\n\n").append(frontIntro).append("\n\n").append(pareto.markdown()).append('\n');
        html.append("<h3>Pareto front</h3>\n<p>").append(escape(frontIntro)).append("</p>\n");
        if (tasks.size() >= 2) {
            html.append(frontPlot(full, front).svg()).append('\n');
        }
        html.append(pareto.html());

        if (tailored != null) {
            md.append("### On the whole held-out half\n\n");
            html.append("<h3>On the whole held-out half</h3>\n");
            String verdict = verdict(tailored, references);
            Table whole = wholeHalf(tailored, references);
            md.append(verdict).append("\n\n").append(whole.markdown());
            html.append("<p>").append(escape(verdict)).append("</p>\n").append(whole.html());
        }
        return new ReportSection("tailor: the search", md.toString(), html.toString());
    }

    /** Each source's best reference, beside the tailored model. */
    private Table wholeHalf(Reference tailored, List<Reference> references) {
        List<String> header = new ArrayList<>(List.of("Model", "Removed"));
        tasks.forEach(header::add);
        header.add("Mean");
        Table table = new Table(header.toArray(String[]::new));
        table.row(cells("tailored (the exported candidate)", tailored));
        for (Reference r : bestPerSource(references)) {
            table.row(cells(r.source() + ", best block removed", r));
        }
        return table;
    }

    private List<String> cells(String label, Reference r) {
        List<String> row = new ArrayList<>(List.of(label, r.removed().toString()));
        for (int t = 0; t < r.objectives().length; t++) {
            row.add(fmt(r.objectives()[t]) + " (" + r.examples()[t] + ")");
        }
        row.add(fmt(r.mean()));
        return row;
    }

    private static String verdict(Reference tailored, List<Reference> references) {
        List<String> notBeaten = bestPerSource(references).stream().filter(r -> !(tailored.mean() < r.mean()))
                .map(Reference::source).toList();
        String scope = "Every figure on all the examples of each task's held-out half (in brackets: examples, or "
                + "windows of a text). ";
        return scope + (notBeaten.isEmpty()
                ? "The tailored model's mean objective is lower than that of the base and of every variant with its "
                    + "best block removed."
                : "The tailored model's mean objective is not lower than that of: " + String.join(", ", notBeaten)
                    + " (each with its best block removed).");
    }

    /** For each source (in the order first seen), its reference with the lowest mean objective. */
    static List<Reference> bestPerSource(List<Reference> references) {
        java.util.Map<Integer, Reference> best = new java.util.LinkedHashMap<>();
        for (Reference r : references) {
            best.merge(r.sourceIndex(), r, (a, b) -> b.mean() < a.mean() ? b : a);
        }
        return new ArrayList<>(best.values());
    }

    private SvgPlot progressPlot() {
        List<SvgPlot.Point> each = new ArrayList<>();
        List<SvgPlot.Point> bestSoFar = new ArrayList<>();
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < trials.size(); i++) {
            Trial t = trials.get(i);
            if (t.proposal().budget() < fullBudget) {
                continue;
            }
            each.add(new SvgPlot.Point(i + 1, t.result().mean(), t.proposal().id()));
            if (t.result().mean() < best) {
                best = t.result().mean();
                bestSoFar.add(new SvgPlot.Point(i + 1, best, t.proposal().id()));
            }
        }
        return new SvgPlot("Mean objective at the full budget (lower is better)", "trials done", "mean objective",
                List.of(new SvgPlot.Series("full-budget trial", SvgPlot.Style.DOTS, each),
                        new SvgPlot.Series("best so far", SvgPlot.Style.STEPS, bestSoFar))).xAxis(0, trials.size());
    }

    private SvgPlot frontPlot(List<Trial> full, List<Trial> front) {
        List<SvgPlot.Point> all = full.stream().map(t -> point(t)).toList();
        List<SvgPlot.Point> onFront = front.stream().sorted(Comparator.comparingDouble(t -> t.result().objective(0)))
                .map(t -> point(t)).toList();
        return new SvgPlot("Full-budget trials: " + tasks.get(0) + " against " + tasks.get(1), tasks.get(0),
                tasks.get(1), List.of(new SvgPlot.Series("trial", SvgPlot.Style.DOTS, all),
                        new SvgPlot.Series("Pareto front", SvgPlot.Style.DOTS, onFront)));
    }

    private static SvgPlot.Point point(Trial t) {
        return new SvgPlot.Point(t.result().objective(0), t.result().objective(1), t.proposal().id());
    }

    private String objectiveNames() {
        return String.join(", ", tasks.stream().map(t -> t + " " + (dev.strata.pipeline.eval.task.Tasks.parse(t).get(0)
                instanceof dev.strata.pipeline.eval.task.TextTask ? "token perplexity over the base's"
                        : objective == ChoiceObjective.ERROR ? "error (1 - acc)"
                                : "minus the gold option's log-likelihood per token")).toList());
    }

    /** Trial counts at which the table shows the best so far: about every tenth of the search, and its end. */
    static List<Integer> checkpoints(int trials) {
        List<Integer> at = new ArrayList<>();
        for (int k = 1; k <= 10; k++) {
            int done = (int) Math.ceil(trials * k / 10.0);
            if (done > 0 && (at.isEmpty() || at.get(at.size() - 1) != done)) {
                at.add(done);
            }
        }
        return at;
    }

    private double bestMean(List<Trial> done) {
        return done.stream().filter(t -> t.proposal().budget() >= fullBudget).mapToDouble(t -> t.result().mean()).min()
                .orElse(Double.NaN);
    }


    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String escape(String s) {
        return dev.strata.pipeline.eval.report.Html.escape(s);
    }
}
