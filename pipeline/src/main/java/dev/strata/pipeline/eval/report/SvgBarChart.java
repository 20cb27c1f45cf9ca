package dev.strata.pipeline.eval.report;

import java.util.List;
import java.util.Locale;

/**
 * A grouped bar chart as inline SVG, drawn entirely here (no script, no network when viewed): a title, a legend
 * line, one group of bars per category and one bar per series, a y axis with gridlines, an optional reference line. Each bar
 * carries its series and value as attributes and a tooltip.
 */
public final class SvgBarChart {
    /** The colours of series, in order. */
    public static final List<String> PALETTE = List.of("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1");

    private static final int WIDTH = 760;
    private static final int HEIGHT = 320;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 52;
    private static final int BOTTOM = 90;

    /** A series: a value per category (NaN for none). */
    public record Series(String name, List<Double> values) {
    }

    private final String title;
    private final List<String> categories;
    private final List<Series> series;
    private final Double referenceLine;

    /** @param referenceLine a value marked across the chart (e.g. 100%), or null */
    public SvgBarChart(String title, List<String> categories, List<Series> series, Double referenceLine) {
        this.title = title;
        this.categories = List.copyOf(categories);
        this.series = List.copyOf(series);
        this.referenceLine = referenceLine;
    }

    public String svg() {
        double max = referenceLine == null ? 0 : referenceLine;
        double min = 0;
        for (Series s : series) {
            for (double v : s.values()) {
                if (!Double.isNaN(v)) {
                    max = Math.max(max, v);
                    min = Math.min(min, v);
                }
            }
        }
        double top = niceCeiling(max == min ? min + 1 : max);
        double bottom = min < 0 ? -niceCeiling(-min) : 0;
        double plotWidth = WIDTH - LEFT - RIGHT;
        double plotHeight = HEIGHT - TOP - BOTTOM;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                + "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">", WIDTH, HEIGHT, WIDTH, HEIGHT,
                Html.escape(title)));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" class=\"title\">%s</text>", LEFT, Html.escape(title)));
        for (int i = 0; i <= 4; i++) {
            double value = bottom + (top - bottom) * i / 4;
            double y = TOP + plotHeight * (1 - (value - bottom) / (top - bottom));
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>",
                    LEFT, WIDTH - RIGHT, y, y));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>",
                    LEFT - 6, y + 4, label(value)));
        }
        double group = plotWidth / Math.max(1, categories.size());
        double bar = group * 0.8 / Math.max(1, series.size());
        double zero = TOP + plotHeight * (1 - (0 - bottom) / (top - bottom));
        for (int c = 0; c < categories.size(); c++) {
            double x0 = LEFT + group * c + group * 0.1;
            for (int s = 0; s < series.size(); s++) {
                double v = series.get(s).values().get(c);
                if (Double.isNaN(v)) {
                    continue;
                }
                double y = TOP + plotHeight * (1 - (v - bottom) / (top - bottom));
                svg.append(String.format(Locale.ROOT, "<rect class=\"bar\" data-series=\"%s\" data-value=\"%s\" x=\"%.1f\" "
                        + "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s, %s: %s</title></rect>",
                        Html.escape(series.get(s).name()), label(v), x0 + bar * s, Math.min(y, zero), Math.max(bar - 1, 1),
                        Math.max(Math.abs(zero - y), 0.5), PALETTE.get(s % PALETTE.size()), Html.escape(series.get(s).name()),
                        Html.escape(categories.get(c)), label(v)));
            }
            double cx = LEFT + group * c + group / 2;
            svg.append(String.format(Locale.ROOT, "<text class=\"category\" transform=\"translate(%.1f,%d) rotate(-30)\" "
                    + "text-anchor=\"end\">%s</text>", cx, HEIGHT - BOTTOM + 14, Html.escape(categories.get(c))));
        }
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>",
                LEFT, WIDTH - RIGHT, zero, zero));
        if (referenceLine != null) {
            double y = TOP + plotHeight * (1 - (referenceLine - bottom) / (top - bottom));
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"reference\"/>",
                    LEFT, WIDTH - RIGHT, y, y));
        }
        for (int s = 0; s < series.size(); s++) {
            int x = LEFT + s * 180;
            svg.append(String.format(Locale.ROOT, "<rect class=\"key\" x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" "
                    + "fill=\"%s\"/><text x=\"%d\" y=\"%d\" class=\"legend\">%s</text>", x, 27,
                    PALETTE.get(s % PALETTE.size()), x + 16, 37, Html.escape(shorten(series.get(s).name()))));
        }
        return svg.append("</svg>").toString();
    }

    private static String shorten(String name) {
        return name.length() <= 26 ? name : "…" + name.substring(name.length() - 25);
    }

    private static String label(double v) {
        return Math.abs(v) >= 100 || v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v)
                : String.format(Locale.ROOT, "%.3g", v);
    }

    /** The smallest of 1, 2, 2.5, 5 times a power of ten that is at least {@code v}. */
    static double niceCeiling(double v) {
        double power = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * power >= v - 1e-12 * power) {
                return step * power;
            }
        }
        return 10 * power;
    }
}
