package io.cnv2.report;

import io.cnv2.accuracy.AccuracyRun;
import io.cnv2.accuracy.ThresholdSweep;
import io.cnv2.config.RunConfig;
import io.cnv2.potentials.DeltaStudy;
import io.cnv2.potentials.LayerPotentials;
import io.cnv2.potentials.PotentialsReport;
import io.cnv2.potentials.Terms;
import io.cnv2.potentials.Work;
import io.cnv2.stats.LayerReport;
import io.cnv2.stats.RunReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The HTML reports of cnv2's experiments ({@link HtmlReport}): a run (per-layer speedup and
 * sparsity bars, the layer table, the configuration), an accuracy measurement, a threshold
 * sweep (the speedup vs top-1 trade-off curve and the threshold table) and a comparison of
 * accelerator variants.
 */
public final class ReportPages {
    private ReportPages() {
    }

    /** One run: totals, per-layer speedup and sparsity, the layer table and the configuration. */
    public static HtmlReport run(RunReport r) {
        HtmlReport h = new HtmlReport("cnv2 " + r.run().arch() + ": " + r.model());
        h.paragraph(String.format(Locale.ROOT, "%d image(s) of %s on %s, timing profile %s (counting rules: %s); "
                        + "speedup over DaDianNao under the same profile %.2f (%.2f if lanes never waited), "
                        + "lane utilisation %.1f %%, %.2f uJ per image (indicative), input footprint %.3f x raw.",
                r.images(), r.dataset(), r.run().arch(), r.run().timing(), r.run().preset(), r.totals().speedup(),
                r.totals().idealSpeedup(),
                100 * r.totals().laneUtilisation(), r.totals().energyPicojoulesTotal() / 1e6 / Math.max(1, r.images()),
                r.totals().footprintRelativeToRaw()));
        if (r.accuracy() != null && r.accuracy().labelled() > 0) {
            h.paragraph(String.format(Locale.ROOT, "top-1 on %d labelled images: float %.2f %%, 16-bit fixed point "
                    + "%.2f %%.", r.accuracy().labelled(), 100 * r.accuracy().floatTop1(),
                    100 * r.accuracy().fixedTop1()));
        }
        layers(h, r);
        return config(h, r);
    }

    /** An accuracy measurement: the top-k table, then the run's page. */
    public static HtmlReport accuracy(AccuracyRun.Result a) {
        HtmlReport h = new HtmlReport("cnv2 accuracy: " + a.model());
        h.paragraph(String.format(Locale.ROOT, "%d image(s) of %s, arch %s: speedup over DaDianNao %.2f; %.1f s.",
                a.images(), a.dataset(), a.arch(), a.speedup(), a.seconds()));
        h.table(List.of("path", "top-1", "top-5"), List.of(
                List.of("float reference", pct(a.floatReference().top1()), pct(a.floatReference().top5())),
                List.of("16-bit fixed point, dense (DaDianNao)", pct(a.denseFixed().top1()),
                        pct(a.denseFixed().top5())),
                List.of("16-bit fixed point, " + a.arch(), pct(a.accelerator().top1()), pct(a.accelerator().top5()))));
        h.bars("Top-1 and top-5 per path", "%", List.of("float", "dense fixed point", a.arch()), List.of(
                new HtmlReport.Series("top-1", List.of(100 * a.floatReference().top1(), 100 * a.denseFixed().top1(),
                        100 * a.accelerator().top1())),
                new HtmlReport.Series("top-5", List.of(100 * a.floatReference().top5(), 100 * a.denseFixed().top5(),
                        100 * a.accelerator().top5()))));
        layers(h, a.report());
        return config(h, a.report());
    }

    /**
     * A threshold sweep: the trade-off curve (every point evaluated, the grid or the search's
     * trials, with the chosen table marked), the threshold table and the configuration.
     */
    public static HtmlReport sweep(ThresholdSweep.Result s, String model, String dataset, Object configuration) {
        HtmlReport h = new HtmlReport("cnv2 sweep (" + s.mode() + "): " + model);
        List<HtmlReport.Curve> curves = new ArrayList<>();
        if (s.mode().equals("grid")) {
            h.paragraph("Every accelerator layer at one threshold, each grid value, on " + dataset + " (timing and "
                    + "counting rules: the configuration below).");
            curves.add(new HtmlReport.Curve("one threshold for every layer", points(s.points()), true));
        } else {
            h.paragraph(String.format(Locale.ROOT, "Per-layer search on %s within a top-1 budget of %.2f points: "
                            + "validation top-1 %.2f %% -> %.2f %%, test top-1 %.2f %% -> %.2f %%, test speedup %.2f -> %.2f.",
                    dataset, 100 * s.budget(), 100 * s.baselineTop1(), 100 * s.validation().top1(),
                    100 * s.testBaseline().top1(), 100 * s.test().top1(), s.testBaseline().speedup(),
                    s.test().speedup()));
            curves.add(new HtmlReport.Curve("validation points tried",
                    points(s.points().stream().filter(p -> p.images().equals("validation")).toList()), false));
            curves.add(new HtmlReport.Curve("test: thresholds 0 and the table found",
                    points(List.of(s.testBaseline(), s.test())), true));
        }
        h.heading("Speedup against accuracy");
        h.curves("Speedup over DaDianNao vs top-1", "top-1 (%)", "speedup over DaDianNao", curves);
        List<List<String>> rows = new ArrayList<>();
        for (ThresholdSweep.Point p : s.points()) {
            rows.add(List.of(p.images(), thresholds(p.thresholds()), pct(p.top1()),
                    String.format(Locale.ROOT, "%.2f", p.speedup())));
        }
        if (!s.chosen().isEmpty()) {
            h.heading("Threshold table found (use with --thresholds)");
            List<String> layers = new ArrayList<>(s.chosen().keySet());
            h.bars("Threshold per layer", "threshold (real units)", layers,
                    List.of(new HtmlReport.Series("threshold", layers.stream().map(s.chosen()::get).toList())));
            h.table(List.of("layer", "threshold"), layers.stream()
                    .map(l -> List.of(l, String.valueOf(s.chosen().get(l)))).toList());
        }
        h.heading("Every point");
        h.table(List.of("images", "thresholds", "top-1", "speedup"), rows);
        h.json("Configuration", configuration);
        return h;
    }

    /** Accelerator variants side by side on the same images. */
    public static HtmlReport compare(Map<String, RunReport> variants) {
        RunReport first = variants.values().iterator().next();
        HtmlReport h = new HtmlReport("cnv2 compare: " + first.model());
        h.paragraph(first.images() + " image(s) of " + first.dataset() + "; weights pruned to "
                + Math.round(100 * first.run().prune()) + " % zeros; timing profiles: " + variants.values().stream()
                .map(r -> r.run().timing()).distinct().toList() + " (every speedup is over DaDianNao under the "
                + "variant's own profile); counting rules: preset " + first.run().preset() + ".");
        List<String> names = new ArrayList<>(variants.keySet());
        h.bars("Speedup over DaDianNao", "speedup", names,
                List.of(series("speedup", variants, r -> r.totals().speedup())));
        h.bars("Input footprint in NM relative to raw", "x raw", names,
                List.of(series("footprint", variants, r -> r.totals().footprintRelativeToRaw())));
        h.bars("Energy per image (indicative)", "uJ per image", names,
                List.of(series("energy", variants, r -> r.totals().energyPicojoulesTotal() / 1e6 / Math.max(1, r.images()))));
        List<String> layers = acceleratorLayers(first);
        List<HtmlReport.Series> perLayer = new ArrayList<>();
        variants.forEach((name, r) -> perLayer.add(new HtmlReport.Series(name, layers.stream()
                .map(l -> r.layers().stream().filter(x -> x.name().equals(l)).findFirst().orElseThrow().speedup())
                .toList())));
        h.bars("Speedup per layer and variant", "speedup", layers, perLayer);
        List<List<String>> rows = new ArrayList<>();
        variants.forEach((name, r) -> rows.add(List.of(name, String.format(Locale.ROOT, "%.0f",
                        r.totals().cyclesPerImage()), String.format(Locale.ROOT, "%.2f", r.totals().speedup()),
                String.format(Locale.ROOT, "%.3f", r.totals().footprintRelativeToRaw()),
                String.format(Locale.ROOT, "%.2f", r.totals().energyPicojoulesTotal() / 1e6 / Math.max(1, r.images())),
                r.accuracy() == null ? "-" : pct(r.accuracy().fixedTop1()))));
        h.table(List.of("variant", "cycles/img", "speedup", "footprint x raw", "energy uJ/img", "top-1"), rows);
        Map<String, Object> runs = new LinkedHashMap<>();
        variants.forEach((name, r) -> runs.put(name, r.run()));
        h.json("Machine", first.machine());
        h.json("Runs", runs);
        return h;
    }

    /**
     * Potentials of a network: the ideal speedup of every metric per layer and for the network,
     * and the value distributions of each layer's activations and weights.
     */
    public static HtmlReport potentials(PotentialsReport p) {
        HtmlReport h = new HtmlReport("cnv2 characterize: " + p.model());
        h.paragraph(p.images() + " image(s) of " + p.dataset() + ". Work relative to dense 16b x 16b MACs, counted "
                + "as DNNsim's Potentials task counts it (CNV2-MODEL.md section 7); " + countingRules(p.run()) + ".");
        List<String> metrics = new ArrayList<>(Work.ZERO.byMetric().keySet());
        List<HtmlReport.Series> series = new ArrayList<>();
        for (LayerPotentials l : p.layers()) {
            series.add(new HtmlReport.Series(l.layer(), metrics.stream().map(m -> finite(l.idealSpeedup().get(m)))
                    .toList()));
        }
        series.add(new HtmlReport.Series("network", metrics.stream().map(m -> finite(p.networkIdealSpeedup().get(m)))
                .toList()));
        h.heading("Ideal speedup per metric");
        h.bars("Ideal speedup over dense 16b x 16b, per layer and metric", "ideal speedup", metrics, series);
        List<List<String>> rows = new ArrayList<>();
        for (LayerPotentials l : p.layers()) {
            List<String> row = new ArrayList<>(List.of(l.layer(), String.valueOf(l.activationPrecision()),
                    String.valueOf(l.weightPrecision())));
            metrics.forEach(m -> row.add(String.format(Locale.ROOT, "%.2f", l.idealSpeedup().get(m))));
            rows.add(row);
        }
        List<String> header = new ArrayList<>(List.of("layer", "Ap bits", "Wp bits"));
        header.addAll(metrics);
        h.table(header, rows);
        h.heading("Distributions");
        histogram(h, p, "Activation effectual bits (popcount of |a|)", l -> l.histograms().activationEffectualBits());
        histogram(h, p, "Activation Booth terms (" + Terms.Booth.of(p.run().booth()).description() + " of |a|)",
                l -> l.histograms().activationBoothTerms());
        histogram(h, p, "Activation precision (bits)", l -> l.histograms().activationPrecision());
        histogram(h, p, "Weight effectual bits", l -> l.histograms().weightEffectualBits());
        histogram(h, p, "Weight precision (bits)", l -> l.histograms().weightPrecision());
        h.json("Run", p.run());
        return h;
    }

    /**
     * The counting rules a potentials run used where DNNsim counts differently (CNV2-MODEL.md
     * section 7, run options {@code booth} and {@code dynamicPrecision}), in one clause.
     */
    public static String countingRules(RunConfig run) {
        Terms.Booth booth = Terms.Booth.of(run.booth());
        return "Booth = " + booth.description() + " (booth " + booth.option() + "); dynamic Ap per "
                + (run.dynamicPrecision().equals("value") ? "activation" : "brick of 16") + " (dynamicPrecision "
                + run.dynamicPrecision() + ")";
    }

    /** A temporal (delta) study: effectual activations against deltas, and cycles, per layer. */
    public static HtmlReport temporal(DeltaStudy.Result r, String model, String source) {
        HtmlReport h = new HtmlReport("cnv2 temporal deltas: " + model);
        h.paragraph(source + "; delta threshold " + r.deltaThreshold() + "; outputs equal to the frame-by-frame "
                + "run bit for bit in " + r.framesBitExact() + " of " + r.frames() + " frames.");
        List<String> names = r.layers().stream().map(DeltaStudy.LayerDelta::layer).toList();
        h.bars("Effectual activations and deltas per layer", "% of the layer's inputs", names, List.of(
                new HtmlReport.Series("effectual activations", r.layers().stream()
                        .map(l -> 100.0 * l.effectualActivations() / Math.max(1, l.activations())).toList()),
                new HtmlReport.Series("effectual deltas", r.layers().stream()
                        .map(l -> 100.0 * l.effectualDeltas() / Math.max(1, l.activations())).toList())));
        h.bars("Cycles per frame", "cycles", names, List.of(
                new HtmlReport.Series("Cnvlutin, frame by frame", r.layers().stream()
                        .map(l -> (double) l.cnvCycles() / r.frames()).toList()),
                new HtmlReport.Series("Cnvlutin on deltas", r.layers().stream()
                        .map(l -> (double) l.deltaCycles() / r.frames()).toList())));
        List<List<String>> rows = new ArrayList<>();
        for (DeltaStudy.LayerDelta l : r.layers()) {
            rows.add(List.of(l.layer(), String.valueOf(l.effectualActivations()), String.valueOf(l.effectualDeltas()),
                    String.format(Locale.ROOT, "%.3f", l.deltaRatio()), String.format(Locale.ROOT, "%.2f",
                            l.speedupOverCnv())));
        }
        h.table(List.of("layer", "effectual activations", "effectual deltas", "ratio", "speedup over CNV"), rows);
        return h;
    }

    private static void histogram(HtmlReport h, PotentialsReport p, String title,
                                  java.util.function.Function<LayerPotentials, long[]> counts) {
        List<String> bins = new ArrayList<>();
        for (int b = 0; b < 17; b++) {
            bins.add(String.valueOf(b));
        }
        List<HtmlReport.Series> series = new ArrayList<>();
        for (LayerPotentials l : p.layers()) {
            long[] c = counts.apply(l);
            long total = java.util.Arrays.stream(c).sum();
            series.add(new HtmlReport.Series(l.layer(), java.util.Arrays.stream(c)
                    .mapToObj(v -> total == 0 ? 0.0 : 100.0 * v / total).toList()));
        }
        h.bars(title, "% of the layer's values", bins, series);
    }

    private static double finite(double v) {
        return Double.isInfinite(v) ? 0 : v;
    }

    private static void layers(HtmlReport h, RunReport r) {
        List<String> names = acceleratorLayers(r);
        List<LayerReport> acc = r.layers().stream().filter(l -> names.contains(l.name())).toList();
        h.heading("Per layer");
        h.bars("Speedup over DaDianNao per layer", "speedup", names, List.of(
                new HtmlReport.Series("speedup", acc.stream().map(LayerReport::speedup).toList()),
                new HtmlReport.Series("ideal (lanes never wait)", acc.stream().map(LayerReport::idealSpeedup).toList())));
        h.bars("Input activations per layer", "% of the layer's input", names, List.of(
                new HtmlReport.Series("zero", acc.stream().map(l -> 100 * l.inputZeroFraction()).toList()),
                new HtmlReport.Series("cut by the threshold", acc.stream().map(l -> 100 * l.thresholdedFraction()).toList()),
                new HtmlReport.Series("effectual", acc.stream().map(l -> 100 * l.effectualFraction()).toList())));
        List<List<String>> rows = new ArrayList<>();
        for (LayerReport l : r.layers()) {
            boolean onAcc = names.contains(l.name());
            rows.add(List.of(l.name(), l.op(), l.placement(), String.valueOf(l.macsPerImage()),
                    onAcc ? String.format(Locale.ROOT, "%.2f", l.speedup()) : "",
                    onAcc ? String.format(Locale.ROOT, "%.2f", l.idealSpeedup()) : "",
                    onAcc ? pct(l.laneUtilisation()) : "", pct(l.inputZeroFraction()),
                    l.threshold() == null ? "" : String.valueOf(l.threshold())));
        }
        h.table(List.of("layer", "op", "where", "MACs", "speedup", "ideal", "util", "in-zero", "threshold"), rows);
    }

    private static HtmlReport config(HtmlReport h, RunReport r) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("machine", r.machine());
        c.put("run", r.run());
        c.put("energy", r.energy());
        c.put("formats", r.calibration() == null ? null : r.calibration().source());
        return h.json("Configuration", c);
    }

    private static List<String> acceleratorLayers(RunReport r) {
        return r.layers().stream().filter(l -> l.placement().equals("accelerator")).map(LayerReport::name).toList();
    }

    private static HtmlReport.Series series(String label, Map<String, RunReport> variants,
                                            ToDoubleFunction<RunReport> f) {
        return new HtmlReport.Series(label, variants.values().stream().map(r -> f.applyAsDouble(r)).toList());
    }

    private static List<HtmlReport.Point> points(List<ThresholdSweep.Point> ps) {
        return ps.stream().map(p -> new HtmlReport.Point(100 * p.top1(), p.speedup(),
                p.images() + ": " + thresholds(p.thresholds()))).toList();
    }

    private static String thresholds(Map<String, Double> t) {
        StringBuilder b = new StringBuilder();
        t.forEach((k, v) -> {
            if (v != 0) {
                b.append(b.length() == 0 ? "" : ", ").append(k).append('=').append(v);
            }
        });
        return b.length() == 0 ? "all 0" : b.toString();
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f %%", 100 * v);
    }
}
