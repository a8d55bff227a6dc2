package io.cnv2.report;

import io.cnv2.potentials.LayerPotentials;
import io.cnv2.potentials.PotentialsReport;
import io.cnv2.potentials.Terms;
import io.cnv2.potentials.Work;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The page of {@code cnv2 characterize}: the ideal speedup of each metric as small multiples,
 * one chart per metric over the layers in network order and the network (ten metrics times
 * every layer in one chart could not be read), the table, then the value distributions of each
 * layer as one line per layer.
 */
final class PotentialsPage {
    private PotentialsPage() {
    }

    static HtmlReport of(PotentialsReport p) {
        HtmlReport h = new HtmlReport("Potentials: " + p.model(), "cnv2 characterize · " + p.images()
                + " image(s) of " + p.dataset() + " · every chart: PNG, SVG and its data as CSV below it");
        h.paragraph(p.images() + " image(s) of " + p.dataset() + ". Work relative to dense 16b x 16b MACs, counted "
                + "as DNNsim's Potentials task counts it (CNV2-MODEL.md section 7); "
                + ReportPages.countingRules(p.run()) + ".");
        List<String> metrics = new ArrayList<>(Work.ZERO.byMetric().keySet());
        List<String> columns = new ArrayList<>(p.layers().stream().map(LayerPotentials::layer).toList());
        columns.add("network");
        List<Double> all = new ArrayList<>();
        List<List<Double>> perMetric = new ArrayList<>();
        for (String m : metrics) {
            List<Double> v = new ArrayList<>(p.layers().stream().map(l -> finite(l.idealSpeedup().get(m))).toList());
            v.add(finite(p.networkIdealSpeedup().get(m)));
            perMetric.add(v);
            all.addAll(v);
        }
        h.heading("Ideal speedup per metric, layers in network order");
        h.paragraph("One chart per metric, all on one axis; the dashed line is 1.0 (dense), and a missing bar a "
                + "metric that leaves no work (infinite speedup).");
        Axis shared = Axis.ratio("ideal speedup over dense", all, "1.0 = dense").boundedBy(all);
        h.multiples(g -> {
            for (int i = 0; i < metrics.size(); i++) {
                g.bars("Ideal speedup: " + metrics.get(i), columns, List.of(new HtmlReport.Series(metrics.get(i),
                        perMetric.get(i), Palette.colour(i))), shared);
            }
        });
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
        h.heading("Distributions, one line per layer");
        histogram(h, p, "Activation effectual bits (popcount of |a|)", l -> l.histograms().activationEffectualBits());
        histogram(h, p, "Activation Booth terms (" + Terms.Booth.of(p.run().booth()).description() + " of |a|)",
                l -> l.histograms().activationBoothTerms());
        histogram(h, p, "Activation precision (bits)", l -> l.histograms().activationPrecision());
        histogram(h, p, "Weight effectual bits", l -> l.histograms().weightEffectualBits());
        histogram(h, p, "Weight precision (bits)", l -> l.histograms().weightPrecision());
        h.json("Run", p.run());
        return h;
    }

    private static void histogram(HtmlReport h, PotentialsReport p, String title,
                                  Function<LayerPotentials, long[]> counts) {
        List<String> bins = new ArrayList<>();
        for (int b = 0; b < 17; b++) {
            bins.add(String.valueOf(b));
        }
        List<HtmlReport.Series> series = new ArrayList<>();
        for (LayerPotentials l : p.layers()) {
            long[] c = counts.apply(l);
            long total = Arrays.stream(c).sum();
            series.add(new HtmlReport.Series(l.layer(), Arrays.stream(c)
                    .mapToObj(v -> total == 0 ? 0.0 : 100.0 * v / total).toList()));
        }
        h.lines(title, "bits or terms", bins, series, Axis.linear("% of the layer's values"));
    }

    /** An infinite ideal speedup (no work left) is left out of the chart rather than drawn as 0. */
    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
