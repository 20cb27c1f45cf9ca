package dev.strata.pipeline.eval.report;

import java.util.List;
import java.util.Locale;

/**
 * Series colours for any number of series: Tableau's ten (chosen to be told apart, also in print), then hues a
 * golden angle apart at alternating lightness, so that no two series of a chart share a colour.
 */
public final class Palette {
    private static final List<String> FIRST = List.of("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
            "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac");

    private Palette() {
    }

    /** The colour of series {@code i} (from 0), as #rrggbb. */
    public static String color(int i) {
        if (i < FIRST.size()) {
            return FIRST.get(i);
        }
        int k = i - FIRST.size();
        double hue = (k * 137.508 + 20) % 360;
        double lightness = k % 2 == 0 ? 0.42 : 0.62;
        return hsl(hue, 0.55 + 0.1 * (k % 3), lightness);
    }

    private static String hsl(double hue, double saturation, double lightness) {
        double c = (1 - Math.abs(2 * lightness - 1)) * saturation;
        double h = hue / 60;
        double x = c * (1 - Math.abs(h % 2 - 1));
        double[] rgb = switch ((int) h) {
            case 0 -> new double[] {c, x, 0};
            case 1 -> new double[] {x, c, 0};
            case 2 -> new double[] {0, c, x};
            case 3 -> new double[] {0, x, c};
            case 4 -> new double[] {x, 0, c};
            default -> new double[] {c, 0, x};
        };
        double m = lightness - c / 2;
        return String.format(Locale.ROOT, "#%02x%02x%02x", channel(rgb[0] + m), channel(rgb[1] + m),
                channel(rgb[2] + m));
    }

    private static int channel(double v) {
        return (int) Math.round(Math.max(0, Math.min(1, v)) * 255);
    }
}
