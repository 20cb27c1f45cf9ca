package dev.strata.pipeline.eval.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A grouped bar chart as inline SVG, drawn entirely here (no script, no network when viewed): a title, a legend of
 * every series, one group of bars per category and one bar per series, a y axis with gridlines, an optional
 * reference line and an optional mark per category (a task's chance level). Each bar carries its series and value
 * as attributes and a tooltip.
 */
public final class SvgBarChart {
    private static final int WIDTH = 760;
    private static final int PLOT_HEIGHT = 180;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TITLE = 30;
    private static final int BOTTOM = 90;
    private static final String MARK_COLOR = "#222222";

    /** A series: a value per category (NaN for none). */
    public record Series(String name, List<Double> values) {
    }

    private final String title;
    private final List<String> categories;
    private final List<Series> series;
    private final Double referenceLine;
    private final String markName;
    private final List<Double> marks;

    /** @param referenceLine a value marked across the chart (e.g. 100%), or null */
    public SvgBarChart(String title, List<String> categories, List<Series> series, Double referenceLine) {
        this(title, categories, series, referenceLine, null, null);
    }

    private SvgBarChart(String title, List<String> categories, List<Series> series, Double referenceLine,
            String markName, List<Double> marks) {
        this.title = title;
        this.categories = List.copyOf(categories);
        this.series = List.copyOf(series);
        this.referenceLine = referenceLine;
        this.markName = markName;
        this.marks = marks == null ? null : List.copyOf(marks);
    }

    /** The same chart with a dashed mark across each category's group at {@code values} (NaN for none). */
    public SvgBarChart withMarks(String name, List<Double> values) {
        if (values.size() != categories.size()) {
            throw new IllegalArgumentException(values.size() + " marks for " + categories.size() + " categories");
        }
        return new SvgBarChart(title, categories, series, referenceLine, name, values);
    }

    public String svg() {
        double max = referenceLine == null ? 0 : referenceLine;
        double min = 0;
        List<Double> all = new ArrayList<>();
        series.forEach(s -> all.addAll(s.values()));
        if (marks != null) {
            all.addAll(marks);
        }
        for (double v : all) {
            if (Double.isFinite(v)) {
                max = Math.max(max, v);
                min = Math.min(min, v);
            }
        }
        double top = niceCeiling(max == min ? min + 1 : max);
        double bottom = min < 0 ? -niceCeiling(-min) : 0;
        List<Legend.Entry> entries = new ArrayList<>();
        for (int s = 0; s < series.size(); s++) {
            entries.add(new Legend.Entry(series.get(s).name(), Palette.color(s), false));
        }
        if (marks != null) {
            entries.add(new Legend.Entry(markName, MARK_COLOR, true));
        }
        Legend legend = new Legend(entries, LEFT, WIDTH - RIGHT);
        int plotTop = TITLE + legend.height() + 8;
        int height = plotTop + PLOT_HEIGHT + BOTTOM;
        double plotWidth = WIDTH - LEFT - RIGHT;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                + "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">", WIDTH, height, WIDTH, height,
                Html.escape(title)));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" class=\"title\">%s</text>", LEFT, Html.escape(title)));
        svg.append(legend.svg(TITLE - 4));
        java.util.function.DoubleUnaryOperator yOf = v -> plotTop + PLOT_HEIGHT * (1 - (v - bottom) / (top - bottom));
        for (int i = 0; i <= 4; i++) {
            double value = bottom + (top - bottom) * i / 4;
            double y = yOf.applyAsDouble(value);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>",
                    LEFT, WIDTH - RIGHT, y, y));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>",
                    LEFT - 6, y + 4, label(value)));
        }
        double group = plotWidth / Math.max(1, categories.size());
        double bar = group * 0.8 / Math.max(1, series.size());
        double zero = yOf.applyAsDouble(0);
        for (int c = 0; c < categories.size(); c++) {
            double x0 = LEFT + group * c + group * 0.1;
            for (int s = 0; s < series.size(); s++) {
                double v = series.get(s).values().get(c);
                if (!Double.isFinite(v)) {
                    continue;
                }
                double y = yOf.applyAsDouble(v);
                svg.append(String.format(Locale.ROOT, "<rect class=\"bar\" data-series=\"%s\" data-value=\"%s\" x=\"%.1f\" "
                        + "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s, %s: %s</title></rect>",
                        Html.escape(series.get(s).name()), label(v), x0 + bar * s, Math.min(y, zero), Math.max(bar - 1, 1),
                        Math.max(Math.abs(zero - y), 0.5), Palette.color(s), Html.escape(series.get(s).name()),
                        Html.escape(categories.get(c)), label(v)));
            }
            if (marks != null && Double.isFinite(marks.get(c))) {
                double y = yOf.applyAsDouble(marks.get(c));
                svg.append(String.format(Locale.ROOT, "<line class=\"mark\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                        + "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"4 2\"><title>%s, %s: %s"
                        + "</title></line>", x0 - group * 0.05, x0 + group * 0.85, y, y, MARK_COLOR,
                        Html.escape(markName), Html.escape(categories.get(c)), label(marks.get(c))));
            }
            double cx = LEFT + group * c + group / 2;
            svg.append(String.format(Locale.ROOT, "<text class=\"category\" transform=\"translate(%.1f,%d) rotate(-30)\" "
                    + "text-anchor=\"end\">%s</text>", cx, height - BOTTOM + 14, Html.escape(categories.get(c))));
        }
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>",
                LEFT, WIDTH - RIGHT, zero, zero));
        if (referenceLine != null) {
            double y = yOf.applyAsDouble(referenceLine);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"reference\"/>",
                    LEFT, WIDTH - RIGHT, y, y));
        }
        return svg.append("</svg>").toString();
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
