package dev.strata.pipeline.eval.report;

import java.util.ArrayList;
import java.util.List;

/** A table of text cells written as Markdown or HTML (the first column left-aligned, the others right). */
public final class Table {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String... header) {
        this.header = List.of(header);
    }

    /** Adds a row of as many cells as the header. */
    public Table row(List<String> cells) {
        if (cells.size() != header.size()) {
            throw new IllegalArgumentException(cells.size() + " cells for " + header.size() + " columns");
        }
        rows.add(List.copyOf(cells));
        return this;
    }

    public Table row(String... cells) {
        return row(List.of(cells));
    }

    public String markdown() {
        StringBuilder md = new StringBuilder("|").append(String.join("|", header)).append("|\n|---");
        md.append("|---:".repeat(header.size() - 1)).append("|\n");
        for (List<String> r : rows) {
            md.append('|').append(String.join("|", r.stream().map(c -> c.replace("|", "\\|")).toList())).append("|\n");
        }
        return md.toString();
    }

    public String html() {
        StringBuilder h = new StringBuilder("<table><tr>");
        header.forEach(c -> h.append("<th>").append(Html.escape(c)).append("</th>"));
        h.append("</tr>\n");
        for (List<String> r : rows) {
            h.append("<tr>");
            // a value and its error stay on one line where a cell wraps
            r.forEach(c -> h.append("<td>").append(Html.escape(c).replace(" ± ", "&nbsp;±&nbsp;")).append("</td>"));
            h.append("</tr>\n");
        }
        return h.append("</table>\n").toString();
    }
}
