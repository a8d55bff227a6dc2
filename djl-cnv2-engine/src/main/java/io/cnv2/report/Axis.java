package io.cnv2.report;

import java.util.Collection;
import java.util.List;

/**
 * A value axis of a chart, chosen for how its values read in print.
 *
 * @param title          what the axis measures, with its unit
 * @param log            logarithmic (ranges that span orders of magnitude, ratios that spread wide)
 * @param min            lower bound, or null for the data's (from 0 on a linear axis)
 * @param max            upper bound, or null for the data's
 * @param reference      a value drawn as a dashed line across the chart (1.0: the baseline of a
 *                       ratio), bars grow from it; null for none
 * @param referenceLabel the line's label ("1.0 = DaDianNao")
 * @param fromZero       a linear axis without bounds starts at 0 (bars); false lets it fit the data
 *                       (a trade-off curve, whose points would otherwise crowd one edge)
 */
public record Axis(String title, boolean log, Double min, Double max, Double reference, String referenceLabel,
                   boolean fromZero) {
    /**
     * Magnitudes (cycles, bits) go logarithmic when the largest is more than this many times the
     * smallest: a linear axis then leaves every layer but the largest a few pixels tall.
     */
    public static final double WIDE = 20;
    /**
     * Ratios around 1 (speedups) go logarithmic sooner: past a 4x spread a linear axis squeezes
     * the layers below 1.0 into the bottom quarter, where a log axis keeps 0.5x and 2x equally
     * far from the 1.0 line.
     */
    public static final double WIDE_RATIO = 4;

    /** A linear axis from 0. */
    public static Axis linear(String title) {
        return new Axis(title, false, null, null, null, null, true);
    }

    /** Percent of a whole, 0 to 100 (the parts of a stacked bar). */
    public static Axis percent(String title) {
        return new Axis(title, false, 0.0, 100.0, null, null, true);
    }

    /**
     * Magnitudes: linear, or logarithmic when {@link #WIDE}, then bounded on the 1-2-5 ladder (a
     * log axis left to Chart.js runs to whole decades and ends on an unlabelled tick).
     */
    public static Axis magnitudes(String title, Collection<Double> values) {
        Axis a = new Axis(title, spread(values) > WIDE, null, null, null, null, true);
        return a.log() ? a.boundedBy(values) : a;
    }

    /**
     * A ratio to a baseline (speedup, footprint x raw): a line at 1.0, logarithmic past
     * {@link #WIDE_RATIO} and then bounded on the 1-2-5 ladder.
     */
    public static Axis ratio(String title, Collection<Double> values, String referenceLabel) {
        Axis a = new Axis(title, spread(values) > WIDE_RATIO, null, null, 1.0, referenceLabel, true);
        return a.log() ? a.boundedBy(values) : a;
    }

    /** The same axis fitted to its data rather than starting at 0 (the reference line stays in view). */
    public Axis fitted() {
        return new Axis(title, log, min, max, reference, referenceLabel, false);
    }

    /**
     * Percentages that lie close together (top-1 of a few paths): from one point below the
     * smallest to one point above the largest, whole points, within 0 to 100, so that 93.6
     * and 93.8 do not sit on one pixel of a 0-100 axis.
     */
    public static Axis zoomedPercent(String title, Collection<Double> values) {
        List<Double> v = finite(values);
        if (v.isEmpty()) {
            return percent(title);
        }
        double lo = v.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double hi = v.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        return new Axis(title, false, Math.max(0, Math.floor(lo - 1)), Math.min(100, Math.ceil(hi + 1)), null, null,
                false);
    }

    /**
     * The same axis with fixed bounds that hold {@code all} (and the reference): small multiples
     * share one scale, so their bars compare across charts.
     */
    public Axis boundedBy(Collection<Double> all) {
        List<Double> v = finite(all);
        if (v.isEmpty()) {
            return this;
        }
        double lo = v.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double hi = v.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        if (reference != null) {
            lo = Math.min(lo, reference);
            hi = Math.max(hi, reference);
        }
        if (log) {
            return new Axis(title, true, Nice.floor(lo), Nice.ceil(hi), reference, referenceLabel, fromZero);
        }
        return new Axis(title, false, 0.0, Nice.ceil(hi), reference, referenceLabel, fromZero);
    }

    /** Largest / smallest of the positive values; 1 when there are fewer than two. */
    static double spread(Collection<Double> values) {
        List<Double> v = finite(values).stream().filter(x -> x > 0).toList();
        if (v.size() < 2) {
            return 1;
        }
        return v.stream().mapToDouble(Double::doubleValue).max().orElseThrow()
                / v.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    }

    private static List<Double> finite(Collection<Double> values) {
        return values.stream().filter(x -> x != null && Double.isFinite(x)).toList();
    }

    /** Round bounds on a 1-2-5 ladder, so a shared axis ends on a tick a reader can name. */
    private static final class Nice {
        private static final double[] STEPS = {1, 2, 2.5, 5, 10};

        static double ceil(double v) {
            if (v <= 0) {
                return 0;
            }
            double p = Math.pow(10, Math.floor(Math.log10(v)));
            for (double s : STEPS) {
                if (s * p >= v * (1 - 1e-12)) {
                    return s * p;
                }
            }
            return 10 * p;
        }

        static double floor(double v) {
            if (v <= 0) {
                return 0;
            }
            double p = Math.pow(10, Math.floor(Math.log10(v)));
            double best = p;
            for (double s : STEPS) {
                if (s * p <= v * (1 + 1e-12)) {
                    best = s * p;
                }
            }
            return best;
        }
    }
}
