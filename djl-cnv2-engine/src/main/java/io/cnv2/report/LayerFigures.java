package io.cnv2.report;

import io.cnv2.stats.LayerReport;
import io.cnv2.stats.RunReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The per-layer figures of one run, every one in network order (the order of the run's layers,
 * never alphabetical): cycles per image of DaDianNao and of the design, the speedup with its 1.0
 * line, what became of each layer's input activations, and the layer table.
 */
final class LayerFigures {
    /** Zero, cut by the threshold, effectual: grey for nothing, red for what the threshold took. */
    static final List<String> SPARSITY_COLOURS = List.of("#bab0ac", "#e15759", "#4e79a7");

    private LayerFigures() {
    }

    static void add(HtmlReport h, RunReport r) {
        List<LayerReport> acc = accelerator(r);
        List<String> names = acc.stream().map(LayerReport::name).toList();
        double images = Math.max(1, r.images());
        String arch = r.run().arch();
        h.heading("Per layer, in network order");
        List<Double> dadn = per(acc, l -> l.baselineCyclesPerImage());
        List<Double> design = per(acc, l -> l.cyclesPerImage());
        List<HtmlReport.Series> cycles = new ArrayList<>();
        cycles.add(new HtmlReport.Series("DaDianNao", dadn, Palette.design("dadn")));
        if (!arch.equals("dadn")) {
            cycles.add(new HtmlReport.Series(ReportPages.design(r.run()), design, Palette.design(arch)));
        }
        List<Double> all = new ArrayList<>(dadn);
        all.addAll(design);
        h.bars("Cycles per image, per layer", names, cycles, Axis.magnitudes("cycles per image", all));
        List<Double> speedup = per(acc, LayerReport::speedup);
        List<Double> ideal = per(acc, LayerReport::idealSpeedup);
        List<Double> ratios = new ArrayList<>(speedup);
        ratios.addAll(ideal);
        h.bars("Speedup over DaDianNao per layer", names, List.of(
                        new HtmlReport.Series("speedup", speedup, Palette.design(arch)),
                        new HtmlReport.Series("ideal (lanes never wait)", ideal, Palette.colour(9))),
                Axis.ratio("speedup over DaDianNao", ratios, "1.0 = DaDianNao"));
        // The accelerator counts the three parts over the same activations (LayerStats: every input
        // activation is zero, or non-zero and cut by the threshold, or effectual), so "zero" is the
        // rest and each bar is exactly 100 %; on accelerator layers it equals the table's in-zero,
        // which counts the node's quantised input.
        h.stackedBars("Input activations per layer: zero, cut by the threshold, effectual", names, List.of(
                new HtmlReport.Series("zero", per(acc, l -> 100 * (1 - l.effectualFraction() - l.thresholdedFraction())),
                        SPARSITY_COLOURS.get(0)),
                new HtmlReport.Series("cut by the threshold", per(acc, l -> 100 * l.thresholdedFraction()),
                        SPARSITY_COLOURS.get(1)),
                new HtmlReport.Series("effectual", per(acc, l -> 100 * l.effectualFraction()), SPARSITY_COLOURS.get(2))),
                Axis.percent("% of the layer's input activations"));
        table(h, r, names);
    }

    private static void table(HtmlReport h, RunReport r, List<String> names) {
        double images = Math.max(1, r.images());
        List<List<String>> rows = new ArrayList<>();
        for (LayerReport l : r.layers()) {
            boolean onAcc = names.contains(l.name());
            rows.add(List.of(l.name(), l.op(), l.placement(), String.valueOf(l.macsPerImage()),
                    onAcc ? String.format(Locale.ROOT, "%.0f", l.cyclesPerImage()) : "",
                    onAcc ? String.format(Locale.ROOT, "%.0f", l.baselineCyclesPerImage()) : "",
                    onAcc ? String.format(Locale.ROOT, "%.2f", l.speedup()) : "",
                    onAcc ? String.format(Locale.ROOT, "%.2f", l.idealSpeedup()) : "",
                    onAcc ? ReportPages.pct(l.laneUtilisation()) : "", ReportPages.pct(l.inputZeroFraction()),
                    onAcc ? ReportPages.pct(l.thresholdedFraction()) : "",
                    l.threshold() == null ? "" : String.valueOf(l.threshold())));
        }
        h.table(List.of("layer", "op", "where", "MACs", "cycles/img", "DaDN cycles/img", "speedup", "ideal", "util",
                "in-zero", "cut", "threshold"), rows);
    }

    /** The run's accelerator layers, in the run's (network) order. */
    static List<LayerReport> accelerator(RunReport r) {
        return r.layers().stream().filter(l -> l.placement().equals("accelerator")).toList();
    }

    private static List<Double> per(List<LayerReport> layers, ToDoubleFunction<LayerReport> f) {
        return layers.stream().map(l -> f.applyAsDouble(l)).toList();
    }
}
