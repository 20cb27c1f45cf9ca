package dev.strata.pipeline.eval.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A chart's legend: a key and the full name of every entry, laid out in as many rows as the chart's width needs, so
 * that every series is labelled however many there are. The chart reserves {@link #height()} above its plot.
 */
final class Legend {
    /** An entry: its name and colour; {@code dashed} draws a dashed line instead of a filled key (a reference). */
    record Entry(String name, String color, boolean dashed) {
    }

    static final int ROW = 17;
    /** Wider than the average glyph of the legend's 11px font, so that a name never runs into the next key. */
    private static final double CHAR_WIDTH = 6.6;
    private static final int KEY = 12;
    private static final int GAP = 18;

    private final List<Entry> entries;
    private final List<double[]> places = new ArrayList<>();
    private final int rows;

    /** Lays out {@code entries} between x = left and x = right. */
    Legend(List<Entry> entries, int left, int right) {
        this.entries = List.copyOf(entries);
        double x = left;
        int row = 0;
        for (Entry e : this.entries) {
            double width = KEY + 4 + e.name().length() * CHAR_WIDTH;
            if (x > left && x + width > right) {
                x = left;
                row++;
            }
            places.add(new double[] {x, row});
            x += width + GAP;
        }
        this.rows = this.entries.isEmpty() ? 0 : row + 1;
    }

    /** The height the legend takes. */
    int height() {
        return rows * ROW;
    }

    /** The legend's SVG, its first row's keys starting at y = {@code top}. */
    String svg(int top) {
        StringBuilder svg = new StringBuilder();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            double x = places.get(i)[0];
            double y = top + places.get(i)[1] * ROW;
            if (e.dashed()) {
                svg.append(String.format(Locale.ROOT, "<line class=\"key\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                        + "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"4 2\"/>", x, x + KEY,
                        y + KEY / 2.0, y + KEY / 2.0, e.color()));
            } else {
                svg.append(String.format(Locale.ROOT, "<rect class=\"key\" x=\"%.1f\" y=\"%.1f\" width=\"%d\" "
                        + "height=\"%d\" fill=\"%s\"/>", x, y, KEY, KEY, e.color()));
            }
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" class=\"legend entry\">%s</text>",
                    x + KEY + 4, y + 10, Html.escape(e.name())));
        }
        return svg.toString();
    }
}
