package dev.strata.pipeline.compress;

/**
 * A method's own part of the run's report (a search's progress and Pareto front): the same content as Markdown and
 * as HTML, under a title that becomes their heading.
 */
public record ReportSection(String title, String markdown, String html) {

    /** The section as Markdown, its title a second-level heading. */
    public String markdownWithTitle() {
        return "## " + title + "\n\n" + markdown + "\n";
    }

    /** The section as HTML, its title a second-level heading. */
    public String htmlWithTitle() {
        return "<h2>" + dev.strata.pipeline.eval.report.Html.escape(title) + "</h2>\n" + html + "\n";
    }
}
