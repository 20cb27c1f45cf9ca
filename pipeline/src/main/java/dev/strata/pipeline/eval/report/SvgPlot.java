package dev.strata.pipeline.eval.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An x-y plot as inline SVG, drawn entirely here like {@link SvgBarChart}: a title, a legend of every series, axes
 * with ticks and labels (the y axis linear or logarithmic), optional horizontal reference lines, and series drawn
 * as dots, as dots joined in x order, or as a step line (a best-so-far curve). Each dot carries its series, label
 * and values in a tooltip.
 */
public final class SvgPlot {
    private static final int WIDTH = 760;
    private static final int PLOT_HEIGHT = 220;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TITLE = 30;
    private static final int BOTTOM = 50;

    /** How a series is drawn. */
    public enum Style {
        DOTS, LINE, STEPS
    }

    /** A point; {@code label} names it in the tooltip (a trial's id, a model). */
    public record Point(double x, double y, String label) {
    }

    /** A series of points, in x order for {@link Style#STEPS}. */
    public record Series(String name, Style style, List<Point> points) {
    }

    /** A dashed horizontal line at {@code y}, named in the legend (the original model, chance). */
    public record Reference(String name, double y) {
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series;
    private final double[] xRange;
    private final boolean logY;
    private final List<Reference> references;

    /** A plot whose axes span the points. */
    public SvgPlot(String title, String xLabel, String yLabel, List<Series> series) {
        this(title, xLabel, yLabel, series, null, false, List.of());
    }

    private SvgPlot(String title, String xLabel, String yLabel, List<Series> series, double[] xRange, boolean logY,
            List<Reference> references) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.series = List.copyOf(series);
        this.xRange = xRange;
        this.logY = logY;
        this.references = List.copyOf(references);
    }

    /** The same plot with its x axis spanning [low, high] (a count of trials from 0). */
    public SvgPlot xAxis(double low, double high) {
        return new SvgPlot(title, xLabel, yLabel, series, new double[] {low, high}, logY, references);
    }

    /** The same plot on a logarithmic y axis (perplexities): points whose y is not positive are left out. */
    public SvgPlot logY() {
        return new SvgPlot(title, xLabel, yLabel, series, xRange, true, references);
    }

    /** The same plot with dashed horizontal lines at the references' values. */
    public SvgPlot withReferences(List<Reference> lines) {
        return new SvgPlot(title, xLabel, yLabel, series, xRange, logY, lines);
    }

    public String svg() {
        double[] xs = xRange != null ? xRange : range(true);
        double[] ys = range(false);
        List<Legend.Entry> entries = new ArrayList<>();
        for (int s = 0; s < series.size(); s++) {
            entries.add(new Legend.Entry(series.get(s).name(), Palette.color(s), false));
        }
        for (int r = 0; r < references.size(); r++) {
            entries.add(new Legend.Entry(references.get(r).name(), referenceColor(r), true));
        }
        Legend legend = new Legend(entries, LEFT, WIDTH - RIGHT);
        int top = TITLE + legend.height() + 8;
        int height = top + PLOT_HEIGHT + BOTTOM;
        Frame f = new Frame(xs, ys, top);
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT, "<svg class=\"chart\" "
                + "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                + "aria-label=\"%s\">", WIDTH, height, WIDTH, height, Html.escape(title)));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" class=\"title\">%s</text>", LEFT,
                Html.escape(title)));
        svg.append(legend.svg(TITLE - 4));
        for (double y : yTicks(ys)) {
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>", LEFT, WIDTH - RIGHT,
                    f.py(y), f.py(y), LEFT - 6, f.py(y) + 4, tick(y)));
        }
        for (int i = 0; i <= 4; i++) {
            double x = xs[0] + (xs[1] - xs[0]) * i / 4;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s"
                    + "</text>", f.px(x), top + PLOT_HEIGHT + 16, tick(x)));
        }
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" class=\"axis\"/>"
                + "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" class=\"axis\"/>", LEFT, WIDTH - RIGHT,
                top + PLOT_HEIGHT, top + PLOT_HEIGHT, LEFT, LEFT, top, top + PLOT_HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"legend\" text-anchor=\"middle\">%s"
                + "</text><text class=\"legend\" text-anchor=\"middle\" transform=\"translate(14,%d) rotate(-90)\">%s"
                + "</text>", (LEFT + WIDTH - RIGHT) / 2, height - 12, Html.escape(xLabel), top + PLOT_HEIGHT / 2,
                Html.escape(yLabel + (logY ? " (log scale)" : ""))));
        for (int r = 0; r < references.size(); r++) {
            Reference ref = references.get(r);
            if (!drawable(0, ref.y())) {
                continue;
            }
            svg.append(String.format(Locale.ROOT, "<line class=\"reference-line\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" "
                    + "y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"4 2\"><title>%s: %s</title>"
                    + "</line>", LEFT, WIDTH - RIGHT, f.py(ref.y()), f.py(ref.y()), referenceColor(r),
                    Html.escape(ref.name()), tick(ref.y())));
        }
        for (int s = 0; s < series.size(); s++) {
            Series line = series.get(s);
            String colour = Palette.color(s);
            List<Point> points = line.points().stream().filter(p -> drawable(p.x(), p.y())).toList();
            if (line.style() != Style.DOTS && points.size() > 1) {
                List<Point> ordered = line.style() == Style.LINE
                        ? points.stream().sorted(java.util.Comparator.comparingDouble(Point::x)).toList() : points;
                StringBuilder path = new StringBuilder();
                for (int i = 0; i < ordered.size(); i++) {
                    Point p = ordered.get(i);
                    path.append(i == 0 ? String.format(Locale.ROOT, "M%.1f,%.1f", f.px(p.x()), f.py(p.y()))
                            : line.style() == Style.STEPS
                                    ? String.format(Locale.ROOT, " H%.1f V%.1f", f.px(p.x()), f.py(p.y()))
                                    : String.format(Locale.ROOT, " L%.1f,%.1f", f.px(p.x()), f.py(p.y())));
                }
                if (line.style() == Style.STEPS) {
                    path.append(String.format(Locale.ROOT, " H%.1f", f.px(xs[1])));
                }
                svg.append(String.format(Locale.ROOT, "<path class=\"%s\" data-series=\"%s\" d=\"%s\" fill=\"none\" "
                        + "stroke=\"%s\" stroke-width=\"2\"/>", line.style() == Style.STEPS ? "steps" : "line",
                        Html.escape(line.name()), path, colour));
            }
            for (Point p : points) {
                svg.append(String.format(Locale.ROOT, "<circle class=\"dot\" data-series=\"%s\" cx=\"%.1f\" "
                        + "cy=\"%.1f\" r=\"%s\" fill=\"%s\"><title>%s %s: %s, %s</title></circle>",
                        Html.escape(line.name()), f.px(p.x()), f.py(p.y()), line.style() == Style.STEPS ? "2" : "4",
                        colour, Html.escape(line.name()), Html.escape(p.label()), tick(p.x()), tick(p.y())));
            }
        }
        return svg.append("</svg>").toString();
    }

    /** Maps values to the plot's pixels. */
    private final class Frame {
        private final double[] xs;
        private final double[] ys;
        private final int top;

        Frame(double[] xs, double[] ys, int top) {
            this.xs = xs;
            this.ys = ys;
            this.top = top;
        }

        double px(double x) {
            return LEFT + (WIDTH - LEFT - RIGHT) * (x - xs[0]) / (xs[1] - xs[0]);
        }

        double py(double y) {
            double at = logY ? (Math.log(y) - Math.log(ys[0])) / (Math.log(ys[1]) - Math.log(ys[0]))
                    : (y - ys[0]) / (ys[1] - ys[0]);
            return top + PLOT_HEIGHT - PLOT_HEIGHT * at;
        }
    }

    /** True for a point the axes can show: finite, and positive on a log axis (a broken model's perplexity is not). */
    private boolean drawable(double x, double y) {
        return Double.isFinite(x) && Double.isFinite(y) && (!logY || y > 0);
    }

    private static String referenceColor(int r) {
        return r == 0 ? "#222222" : "#c00000";
    }

    /**
     * Gridline values at round numbers: multiples of 1, 2, 2.5 or 5 times a power of ten, about four steps; on a log
     * axis spanning a decade or more, 1, 2 and 5 times powers of ten.
     */
    private List<Double> yTicks(double[] ys) {
        if (logY) {
            List<Double> ticks = new ArrayList<>();
            for (double power = Math.pow(10, Math.floor(Math.log10(ys[0]))); power <= ys[1]; power *= 10) {
                for (double step : new double[] {1, 2, 5}) {
                    if (step * power >= ys[0] && step * power <= ys[1]) {
                        ticks.add(step * power);
                    }
                }
            }
            if (ticks.size() >= 3) {
                return ticks;
            }
        }
        double step = SvgBarChart.niceCeiling((ys[1] - ys[0]) / 4);
        List<Double> ticks = new ArrayList<>();
        for (double v = Math.ceil(ys[0] / step) * step; v <= ys[1] + 1e-9 * step; v += step) {
            ticks.add(Math.abs(v) < 1e-9 * step ? 0 : v);
        }
        return ticks;
    }

    /**
     * The [low, high] of every point's x (or y, with the references), widened a little so that no point sits on
     * the frame: by a share of the span, or on a log axis by a factor.
     */
    private double[] range(boolean x) {
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        List<Double> values = new ArrayList<>();
        series.forEach(s -> s.points().stream().filter(p -> drawable(p.x(), p.y()))
                .forEach(p -> values.add(x ? p.x() : p.y())));
        if (!x) {
            references.stream().filter(r -> drawable(0, r.y())).forEach(r -> values.add(r.y()));
        }
        for (double v : values) {
            low = Math.min(low, v);
            high = Math.max(high, v);
        }
        if (low > high) {
            return logY && !x ? new double[] {1, 10} : new double[] {0, 1};
        }
        if (logY && !x) {
            double pad = high > low ? Math.pow(high / low, 0.05) : 1.1;
            return new double[] {low / pad, high * pad};
        }
        double pad = high > low ? (high - low) * 0.05 : Math.max(Math.abs(low) * 0.05, 1e-9);
        return new double[] {low - pad, high + pad};
    }

    static String tick(double v) {
        double a = Math.abs(v);
        // the unit is chosen after rounding to three digits, so 999,999 reads 1M, not 1000K
        double rounded = Double.parseDouble(String.format(Locale.ROOT, "%.3g", a));
        if (rounded >= 1e9) {
            return String.format(Locale.ROOT, "%.3gB", v / 1e9);
        }
        if (rounded >= 1e6) {
            return String.format(Locale.ROOT, "%.3gM", v / 1e6);
        }
        if (rounded >= 1e4) {
            return String.format(Locale.ROOT, "%.3gK", v / 1e3);
        }
        return a >= 100 || v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v)
                : String.format(Locale.ROOT, "%.4g", v);
    }
}
