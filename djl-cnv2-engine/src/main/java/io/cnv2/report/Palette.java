package io.cnv2.report;

import java.util.List;
import java.util.Locale;

/**
 * Series colours that never repeat within a chart: twelve fixed ones (Tableau 10, which stays
 * apart under the common colour-vision deficiencies, then charcoal and olive), and beyond them
 * colours spread round the hue circle by the golden angle at alternating lightness, so the
 * thirteenth series of a chart is not mistaken for the first. Lines also cycle through dash
 * patterns, so a figure printed in grey still tells its curves apart.
 */
public final class Palette {
    /** The fixed colours, in the order series take them. */
    public static final List<String> FIXED = List.of("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
            "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#3a3a3a", "#8b8b00");
    private static final List<List<Integer>> DASHES = List.of(List.of(), List.of(6, 3), List.of(2, 2),
            List.of(8, 3, 2, 3));

    private Palette() {
    }

    /** The colour of series {@code i} (0-based), as {@code #rrggbb}. */
    public static String colour(int i) {
        if (i < FIXED.size()) {
            return FIXED.get(i);
        }
        int k = i - FIXED.size();
        double hue = (k * 137.508 + 15) % 360;
        double lightness = k % 2 == 0 ? 0.38 : 0.58;
        return hsl(hue, 0.65, lightness);
    }

    /** The dash pattern of line {@code i}: solid for the first, then dashed, dotted, dash-dot. */
    public static List<Integer> dash(int i) {
        return DASHES.get(i % DASHES.size());
    }

    /** The colour of a design wherever a page shows it: DaDianNao, Cnvlutin, Cnvlutin2. */
    public static String design(String arch) {
        return switch (arch) {
            case "dadn" -> colour(0);
            case "cnv" -> colour(1);
            default -> colour(2);
        };
    }

    private static String hsl(double h, double s, double l) {
        double c = (1 - Math.abs(2 * l - 1)) * s;
        double x = c * (1 - Math.abs(h / 60 % 2 - 1));
        double m = l - c / 2;
        double[] rgb = h < 60 ? new double[] {c, x, 0} : h < 120 ? new double[] {x, c, 0}
                : h < 180 ? new double[] {0, c, x} : h < 240 ? new double[] {0, x, c}
                : h < 300 ? new double[] {x, 0, c} : new double[] {c, 0, x};
        return String.format(Locale.ROOT, "#%02x%02x%02x", Math.round((rgb[0] + m) * 255),
                Math.round((rgb[1] + m) * 255), Math.round((rgb[2] + m) * 255));
    }
}
