package io.cnv2.report;

import io.cnv2.accuracy.ThresholdSweep;
import io.cnv2.config.RunConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The page of {@code cnv2 sweep}: speedup against top-1 with the points tagged by their
 * thresholds (a grid point by its one threshold; of a search's many trials only the Pareto
 * frontier and the two test points, so the tags stay readable), the threshold table found in
 * network order, every point, the configuration.
 */
final class SweepPage {
    private SweepPage() {
    }

    static HtmlReport of(ThresholdSweep.Result s, List<String> layers, RunConfig run, String model, String dataset,
                         Object configuration) {
        HtmlReport h = new HtmlReport("Threshold sweep (" + s.mode() + "): " + model + " on "
                + ReportPages.design(run), "cnv2 sweep · " + dataset + " · timing " + run.timing()
                + " · every chart: PNG, SVG and its data as CSV below it");
        List<HtmlReport.Curve> curves = new ArrayList<>();
        if (s.mode().equals("grid")) {
            h.paragraph("Every accelerator layer at one threshold, each grid value, on " + dataset + " (timing and "
                    + "counting rules: the configuration below). Each point is tagged with its threshold.");
            curves.add(new HtmlReport.Curve("one threshold t for every layer", gridPoints(s.points(), layers), true));
        } else {
            h.paragraph(String.format(Locale.ROOT, "Per-layer search on %s within a top-1 budget of %.2f points: "
                            + "validation top-1 %.2f %% -> %.2f %%, test top-1 %.2f %% -> %.2f %%, test speedup %.2f -> %.2f. "
                            + "Tagged: the validation trials no other trial beats on both top-1 and speedup (the "
                            + "Pareto frontier), and the test points; every trial's thresholds are in its tooltip.",
                    dataset, 100 * s.budget(), 100 * s.baselineTop1(), 100 * s.validation().top1(),
                    100 * s.testBaseline().top1(), 100 * s.test().top1(), s.testBaseline().speedup(),
                    s.test().speedup()));
            List<ThresholdSweep.Point> validation = s.points().stream()
                    .filter(p -> p.images().equals("validation")).toList();
            List<ThresholdSweep.Point> frontier = frontier(validation);
            curves.add(new HtmlReport.Curve("validation trials", validation.stream()
                    .filter(p -> !frontier.contains(p)).map(p -> point(p, layers, null)).toList(), false));
            curves.add(new HtmlReport.Curve("validation: Pareto frontier", frontier.stream()
                    .map(p -> point(p, layers, tag(p.thresholds(), layers))).toList(), true));
            curves.add(new HtmlReport.Curve("test: thresholds 0, then the table found", List.of(
                    point(s.testBaseline(), layers, "test, all 0"), point(s.test(), layers, "test, table found")), true));
        }
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        curves.forEach(c -> c.points().forEach(p -> {
            xs.add(p.x());
            ys.add(p.y());
        }));
        h.heading("Speedup against accuracy");
        h.curves("Speedup over DaDianNao vs top-1", Axis.zoomedPercent("top-1 (%)", xs),
                Axis.ratio("speedup over DaDianNao", ys, "1.0 = DaDianNao").fitted(), curves);
        if (!s.chosen().isEmpty()) {
            h.heading("Threshold table found (use with --thresholds), in network order");
            List<String> ordered = inNetworkOrder(s.chosen().keySet(), layers);
            h.bars("Threshold per layer", ordered, List.of(new HtmlReport.Series("threshold",
                    ordered.stream().map(s.chosen()::get).toList())), Axis.linear("threshold (real units)"));
            h.table(List.of("layer", "threshold"), ordered.stream()
                    .map(l -> List.of(l, String.valueOf(s.chosen().get(l)))).toList());
        }
        h.heading("Every point");
        List<List<String>> rows = new ArrayList<>();
        for (ThresholdSweep.Point p : s.points()) {
            rows.add(List.of(p.images(), thresholds(p.thresholds(), layers), ReportPages.pct(p.top1()),
                    String.format(Locale.ROOT, "%.2f", p.speedup())));
        }
        h.table(List.of("images", "thresholds", "top-1", "speedup"), rows);
        h.json("Configuration", configuration);
        return h;
    }

    /**
     * The grid's points tagged "t = ..."; points that land on the same place (thresholds too
     * small to cut anything) share one tag, so no two tags fight for one spot.
     */
    private static List<HtmlReport.Point> gridPoints(List<ThresholdSweep.Point> points, List<String> layers) {
        Map<String, List<ThresholdSweep.Point>> at = new LinkedHashMap<>();
        for (ThresholdSweep.Point p : points) {
            at.computeIfAbsent(String.format(Locale.ROOT, "%.9f %.9f", p.top1(), p.speedup()), k -> new ArrayList<>())
                    .add(p);
        }
        List<HtmlReport.Point> out = new ArrayList<>();
        for (List<ThresholdSweep.Point> same : at.values()) {
            List<String> ts = same.stream().map(p -> number(p.thresholds().values().stream()
                    .mapToDouble(Double::doubleValue).max().orElse(0))).toList();
            ThresholdSweep.Point p = same.get(0);
            out.add(point(p, layers, "t = " + String.join(", ", ts)));
        }
        return out;
    }

    /** The points no other point beats on both top-1 and speedup, by top-1. */
    static List<ThresholdSweep.Point> frontier(List<ThresholdSweep.Point> points) {
        List<ThresholdSweep.Point> f = new ArrayList<>();
        for (ThresholdSweep.Point p : points) {
            boolean beaten = points.stream().anyMatch(q -> q.top1() >= p.top1() && q.speedup() >= p.speedup()
                    && (q.top1() > p.top1() || q.speedup() > p.speedup()));
            boolean same = f.stream().anyMatch(q -> q.top1() == p.top1() && q.speedup() == p.speedup());
            if (!beaten && !same) {
                f.add(p);
            }
        }
        f.sort((a, b) -> Double.compare(a.top1(), b.top1()));
        return f;
    }

    private static HtmlReport.Point point(ThresholdSweep.Point p, List<String> layers, String tag) {
        return new HtmlReport.Point(100 * p.top1(), p.speedup(), p.images() + ": " + thresholds(p.thresholds(), layers),
                tag);
    }

    /** A short tag: the layers a point cuts (two at most by name), or how many and up to which threshold. */
    private static String tag(Map<String, Double> t, List<String> layers) {
        List<String> cut = inNetworkOrder(t.keySet(), layers).stream().filter(l -> t.get(l) != 0).toList();
        if (cut.isEmpty()) {
            return "all 0";
        }
        if (cut.size() <= 2) {
            return String.join(", ", cut.stream().map(l -> l + "=" + number(t.get(l))).toList());
        }
        return cut.size() + " layers, t <= " + number(cut.stream().mapToDouble(t::get).max().orElseThrow());
    }

    /** The non-zero thresholds of a point in network order. */
    static String thresholds(Map<String, Double> t, List<String> layers) {
        List<String> cut = inNetworkOrder(t.keySet(), layers).stream().filter(l -> t.get(l) != 0).toList();
        return cut.isEmpty() ? "all 0" : String.join(", ", cut.stream().map(l -> l + "=" + t.get(l)).toList());
    }

    /** {@code names} in the order of {@code layers}; any name the network does not list comes last. */
    static List<String> inNetworkOrder(java.util.Collection<String> names, List<String> layers) {
        List<String> ordered = new ArrayList<>(layers.stream().filter(names::contains).toList());
        names.stream().filter(n -> !ordered.contains(n)).forEach(ordered::add);
        return ordered;
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
