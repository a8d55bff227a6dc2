package io.cnv2.report;

import io.cnv2.accuracy.AccuracyRun;
import io.cnv2.accuracy.ThresholdSweep;
import io.cnv2.config.RunConfig;
import io.cnv2.potentials.DeltaStudy;
import io.cnv2.potentials.PotentialsReport;
import io.cnv2.potentials.Terms;
import io.cnv2.stats.RunReport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The HTML reports of cnv2's commands ({@link HtmlReport}), one page per command, titled by the
 * command, the model and the design: a run (per-layer cycles, speedup and input sparsity, the
 * layer table, the configuration), an accuracy measurement, a threshold sweep
 * ({@link SweepPage}), a comparison of accelerator variants ({@link ComparePage}), the
 * potentials of a network ({@link PotentialsPage}) and a temporal (delta) study.
 */
public final class ReportPages {
    private ReportPages() {
    }

    /** One run: totals, per-layer cycles, speedup and sparsity, the layer table and the configuration. */
    public static HtmlReport run(RunReport r) {
        HtmlReport h = new HtmlReport("Run: " + r.model() + " on " + design(r.run()), subtitle("run", r));
        h.paragraph(String.format(Locale.ROOT, "%d image(s) of %s on %s, timing profile %s (counting rules: %s); "
                        + "speedup over DaDianNao under the same profile %.2f (%.2f if lanes never waited), "
                        + "lane utilisation %.1f %%, %.0f cycles and %.2f uJ per image (indicative), input footprint "
                        + "%.3f x raw.",
                r.images(), r.dataset(), r.run().arch(), r.run().timing(), r.run().preset(), r.totals().speedup(),
                r.totals().idealSpeedup(), 100 * r.totals().laneUtilisation(), r.totals().cyclesPerImage(),
                r.totals().energyPicojoulesPerImage() / 1e6, r.totals().footprintRelativeToRaw()));
        if (r.accuracy() != null && r.accuracy().labelled() > 0) {
            h.paragraph(String.format(Locale.ROOT, "top-1 on %d labelled images: float %.2f %%, 16-bit fixed point "
                    + "%.2f %%.", r.accuracy().labelled(), 100 * r.accuracy().floatTop1(),
                    100 * r.accuracy().fixedTop1()));
        }
        LayerFigures.add(h, r);
        return config(h, r);
    }

    /** An accuracy measurement: top-1 and top-5 per path on an axis zoomed to them, then the run's figures. */
    public static HtmlReport accuracy(AccuracyRun.Result a) {
        RunReport r = a.report();
        HtmlReport h = new HtmlReport("Accuracy: " + a.model() + " on " + design(r.run()), subtitle("accuracy", r));
        h.paragraph(String.format(Locale.ROOT, "%d image(s) of %s, arch %s: speedup over DaDianNao %.2f; %.1f s.",
                a.images(), a.dataset(), a.arch(), a.speedup(), a.seconds()));
        h.table(List.of("path", "top-1", "top-5"), List.of(
                List.of("float reference", pct(a.floatReference().top1()), pct(a.floatReference().top5())),
                List.of("16-bit fixed point, dense (DaDianNao)", pct(a.denseFixed().top1()),
                        pct(a.denseFixed().top5())),
                List.of("16-bit fixed point, " + a.arch(), pct(a.accelerator().top1()), pct(a.accelerator().top5()))));
        List<Double> top1 = List.of(100 * a.floatReference().top1(), 100 * a.denseFixed().top1(),
                100 * a.accelerator().top1());
        List<Double> top5 = List.of(100 * a.floatReference().top5(), 100 * a.denseFixed().top5(),
                100 * a.accelerator().top5());
        List<Double> all = new ArrayList<>(top1);
        all.addAll(top5);
        // dots, not bars: on an axis that does not start at 0 a bar's length would mean nothing
        h.dots("Top-1 and top-5 per path", List.of("float", "dense fixed point (DaDianNao)", design(r.run())),
                List.of(new HtmlReport.Series("top-1", top1), new HtmlReport.Series("top-5", top5)),
                Axis.zoomedPercent("accuracy (%)", all));
        LayerFigures.add(h, r);
        return config(h, r);
    }

    /**
     * A threshold sweep: the trade-off curve with its points tagged, the table found in network
     * order ({@code layers}: the accelerator layers in the order the network runs them), every
     * point and the configuration.
     */
    public static HtmlReport sweep(ThresholdSweep.Result s, List<String> layers, RunConfig run, String model,
                                   String dataset, Object configuration) {
        return SweepPage.of(s, layers, run, model, dataset, configuration);
    }

    /** Accelerator variants side by side on the same images (DaDianNao, Cnvlutin, Cnvlutin2). */
    public static HtmlReport compare(Map<String, RunReport> variants) {
        return ComparePage.of(variants);
    }

    /**
     * Potentials of a network: the ideal speedup of every metric per layer and for the network,
     * and the value distributions of each layer's activations and weights.
     */
    public static HtmlReport potentials(PotentialsReport p) {
        return PotentialsPage.of(p);
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
        HtmlReport h = new HtmlReport("Temporal deltas: " + model + " on Cnvlutin", "cnv2 characterize · " + source
                + " · every chart: PNG, SVG and its data as CSV below it");
        h.paragraph(source + "; delta threshold " + r.deltaThreshold() + "; outputs equal to the frame-by-frame "
                + "run bit for bit in " + r.framesBitExact() + " of " + r.frames() + " frames.");
        List<String> names = r.layers().stream().map(DeltaStudy.LayerDelta::layer).toList();
        h.bars("Effectual activations and deltas per layer", names, List.of(
                new HtmlReport.Series("effectual activations", r.layers().stream()
                        .map(l -> 100.0 * l.effectualActivations() / Math.max(1, l.activations())).toList()),
                new HtmlReport.Series("effectual deltas", r.layers().stream()
                        .map(l -> 100.0 * l.effectualDeltas() / Math.max(1, l.activations())).toList())),
                Axis.percent("% of the layer's inputs"));
        List<Double> frame = r.layers().stream().map(l -> (double) l.cnvCycles() / r.frames()).toList();
        List<Double> delta = r.layers().stream().map(l -> (double) l.deltaCycles() / r.frames()).toList();
        List<Double> all = new ArrayList<>(frame);
        all.addAll(delta);
        h.bars("Cycles per frame", names, List.of(new HtmlReport.Series("Cnvlutin, frame by frame", frame),
                new HtmlReport.Series("Cnvlutin on deltas", delta)), Axis.magnitudes("cycles per frame", all));
        List<List<String>> rows = new ArrayList<>();
        for (DeltaStudy.LayerDelta l : r.layers()) {
            rows.add(List.of(l.layer(), String.valueOf(l.effectualActivations()), String.valueOf(l.effectualDeltas()),
                    String.format(Locale.ROOT, "%.3f", l.deltaRatio()), String.format(Locale.ROOT, "%.2f",
                            l.speedupOverCnv())));
        }
        h.table(List.of("layer", "effectual activations", "effectual deltas", "ratio", "speedup over CNV"), rows);
        return h;
    }

    /** The design a run emulates, as a reader names it: DaDianNao, Cnvlutin, or Cnvlutin2 with its options. */
    public static String design(RunConfig run) {
        return switch (run.arch()) {
            case "dadn" -> "DaDianNao";
            case "cnv" -> "Cnvlutin";
            default -> "Cnvlutin2 (" + run.encoding() + ", found at " + run.detect()
                    + (run.weightSkip().equals("none") ? "" : ", weight skip " + run.weightSkip()) + ")";
        };
    }

    /** The line under a page's title: the command, the images and the timing. */
    static String subtitle(String command, RunReport r) {
        return "cnv2 " + command + " · " + r.images() + " image(s) of " + r.dataset() + " · timing " + r.run().timing()
                + " · every chart: PNG, SVG and its data as CSV below it";
    }

    private static HtmlReport config(HtmlReport h, RunReport r) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("machine", r.machine());
        c.put("run", r.run());
        c.put("energy", r.energy());
        c.put("formats", r.calibration() == null ? null : r.calibration().source());
        return h.json("Configuration", c);
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f %%", 100 * v);
    }
}
