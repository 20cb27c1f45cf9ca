package dev.strata.pipeline.eval.report;

import java.util.List;
import java.util.Locale;

/**
 * An x-y plot as inline SVG, drawn entirely here like {@link SvgBarChart}: a title, a legend line, axes with ticks
 * and labels, and series drawn as dots or as a step line (a best-so-far curve). Each dot carries its series, label
 * and values in a tooltip.
 */
public final class SvgPlot {
    private static final int WIDTH = 760;
    private static final int HEIGHT = 340;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 52;
    private static final int BOTTOM = 50;

    /** How a series is drawn. */
    public enum Style {
        DOTS, STEPS
    }

    /** A point; {@code label} names it in the tooltip (a trial's id). */
    public record Point(double x, double y, String label) {
    }

    /** A series of points, in x order for {@link Style#STEPS}. */
    public record Series(String name, Style style, List<Point> points) {
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series;
    private final double[] xRange;

    /** A plot whose axes span the points. */
    public SvgPlot(String title, String xLabel, String yLabel, List<Series> series) {
        this(title, xLabel, yLabel, series, null);
    }

    private SvgPlot(String title, String xLabel, String yLabel, List<Series> series, double[] xRange) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.series = List.copyOf(series);
        this.xRange = xRange;
    }

    /** The same plot with its x axis spanning [low, high] (a count of trials from 0). */
    public SvgPlot xAxis(double low, double high) {
        return new SvgPlot(title, xLabel, yLabel, series, new double[] {low, high});
    }

    public String svg() {
        double[] xs = xRange != null ? xRange : range(true);
        double[] ys = range(false);
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT, "<svg class=\"chart\" "
                + "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                + "aria-label=\"%s\">", WIDTH, HEIGHT, WIDTH, HEIGHT, Html.escape(title)));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" class=\"title\">%s</text>", LEFT,
                Html.escape(title)));
        for (int i = 0; i <= 4; i++) {
            double y = ys[0] + (ys[1] - ys[0]) * i / 4;
            double x = xs[0] + (xs[1] - xs[0]) * i / 4;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>", LEFT, WIDTH - RIGHT,
                    py(y, ys), py(y, ys), LEFT - 6, py(y, ys) + 4, tick(y)));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s"
                    + "</text>", px(x, xs), HEIGHT - BOTTOM + 16, tick(x)));
        }
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" class=\"axis\"/>"
                + "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" class=\"axis\"/>", LEFT, WIDTH - RIGHT,
                HEIGHT - BOTTOM, HEIGHT - BOTTOM, LEFT, LEFT, TOP, HEIGHT - BOTTOM));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"legend\" text-anchor=\"middle\">%s"
                + "</text><text class=\"legend\" text-anchor=\"middle\" transform=\"translate(14,%d) rotate(-90)\">%s"
                + "</text>", (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 12, Html.escape(xLabel), (TOP + HEIGHT - BOTTOM) / 2,
                Html.escape(yLabel)));
        for (int s = 0; s < series.size(); s++) {
            Series line = series.get(s);
            String colour = SvgBarChart.PALETTE.get(s % SvgBarChart.PALETTE.size());
            if (line.style() == Style.STEPS && !line.points().isEmpty()) {
                StringBuilder path = new StringBuilder();
                Point last = null;
                for (Point p : line.points()) {
                    path.append(last == null ? String.format(Locale.ROOT, "M%.1f,%.1f", px(p.x(), xs), py(p.y(), ys))
                            : String.format(Locale.ROOT, " H%.1f V%.1f", px(p.x(), xs), py(p.y(), ys)));
                    last = p;
                }
                path.append(String.format(Locale.ROOT, " H%.1f", px(xs[1], xs)));
                svg.append(String.format(Locale.ROOT, "<path class=\"steps\" data-series=\"%s\" d=\"%s\" fill=\"none\" "
                        + "stroke=\"%s\" stroke-width=\"2\"/>", Html.escape(line.name()), path, colour));
            }
            for (Point p : line.points()) {
                svg.append(String.format(Locale.ROOT, "<circle class=\"dot\" data-series=\"%s\" cx=\"%.1f\" "
                        + "cy=\"%.1f\" r=\"%s\" fill=\"%s\"><title>%s %s: %s, %s</title></circle>",
                        Html.escape(line.name()), px(p.x(), xs), py(p.y(), ys), line.style() == Style.DOTS ? "3.5" : "2",
                        colour, Html.escape(line.name()), Html.escape(p.label()), tick(p.x()), tick(p.y())));
            }
            int x = LEFT + s * 220;
            svg.append(String.format(Locale.ROOT, "<rect class=\"key\" x=\"%d\" y=\"27\" width=\"12\" height=\"12\" "
                    + "fill=\"%s\"/><text x=\"%d\" y=\"37\" class=\"legend\">%s</text>", x, colour, x + 16,
                    Html.escape(line.name())));
        }
        return svg.append("</svg>").toString();
    }

    /** The [low, high] of every point's x (or y), widened a little so that no point sits on the frame. */
    private double[] range(boolean x) {
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (Point p : s.points()) {
                double v = x ? p.x() : p.y();
                if (Double.isFinite(v)) {
                    low = Math.min(low, v);
                    high = Math.max(high, v);
                }
            }
        }
        if (low > high) {
            return new double[] {0, 1};
        }
        double pad = high > low ? (high - low) * 0.05 : Math.max(Math.abs(low) * 0.05, 1e-9);
        return new double[] {low - pad, high + pad};
    }

    private static double px(double x, double[] xs) {
        return LEFT + (WIDTH - LEFT - RIGHT) * (x - xs[0]) / (xs[1] - xs[0]);
    }

    private static double py(double y, double[] ys) {
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * (y - ys[0]) / (ys[1] - ys[0]);
    }

    private static String tick(double v) {
        return Math.abs(v) >= 100 || v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v)
                : String.format(Locale.ROOT, "%.4g", v);
    }
}
