package io.cnv2.report;

import io.cnv2.stats.LayerReport;
import io.cnv2.stats.RunReport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The page of {@code cnv2 compare}: totals per variant as horizontal bars (the variants' names
 * are long), cycles per layer of DaDianNao, Cnvlutin and the fastest Cnvlutin2 variant, then the
 * per-layer speedup as small multiples, one chart per variant on one shared axis, and as a
 * shaded table: a dozen series in one chart cannot be read. Each variant keeps one colour
 * throughout the page; layers are in network order.
 */
final class ComparePage {
    private ComparePage() {
    }

    static HtmlReport of(Map<String, RunReport> variants) {
        RunReport first = variants.values().iterator().next();
        HtmlReport h = new HtmlReport("Comparison: " + first.model() + " on DaDianNao, Cnvlutin and Cnvlutin2 ("
                + variants.size() + " variants)", ReportPages.subtitle("compare", first));
        h.paragraph(first.images() + " image(s) of " + first.dataset() + "; weights pruned to "
                + Math.round(100 * first.run().prune()) + " % zeros; timing profiles: " + variants.values().stream()
                .map(r -> r.run().timing()).distinct().toList() + " (every speedup is over DaDianNao under the "
                + "variant's own profile); counting rules: preset " + first.run().preset() + ".");
        List<String> names = new ArrayList<>(variants.keySet());
        Map<String, String> colour = new LinkedHashMap<>();
        names.forEach(n -> colour.put(n, Palette.colour(colour.size())));
        List<String> colours = names.stream().map(colour::get).toList();
        h.heading("Totals per variant");
        List<Double> speedups = total(variants, r -> r.totals().speedup());
        h.horizontalBars("Speedup over DaDianNao", names, List.of(new HtmlReport.Series("speedup", speedups, null,
                colours)), Axis.ratio("speedup over DaDianNao", speedups, "1.0 = DaDianNao"));
        List<Double> footprint = total(variants, r -> r.totals().footprintRelativeToRaw());
        h.horizontalBars("Input footprint in NM relative to raw", names, List.of(new HtmlReport.Series("footprint",
                footprint, null, colours)), Axis.ratio("x raw", footprint, "1.0 = raw"));
        List<Double> energy = total(variants, r -> r.totals().energyPicojoulesPerImage() / 1e6);
        h.horizontalBars("Energy per image (indicative)", names, List.of(new HtmlReport.Series("energy", energy, null,
                colours)), Axis.magnitudes("uJ per image", energy));
        List<String> layers = LayerFigures.accelerator(first).stream().map(LayerReport::name).toList();
        h.heading("Per layer, in network order");
        cyclesOfThreeDesigns(h, variants, layers, colour);
        List<String> skipping = names.stream().filter(n -> !variants.get(n).run().arch().equals("dadn")).toList();
        List<Double> all = new ArrayList<>();
        skipping.forEach(n -> all.addAll(perLayer(variants.get(n), layers, LayerReport::speedup)));
        Axis shared = Axis.ratio("speedup over DaDianNao", all, "1.0 = DaDianNao").boundedBy(all);
        h.paragraph("Speedup per layer, one chart per variant (DaDianNao, 1.0 everywhere, left out), all on one axis; "
                + "the dashed line is 1.0, DaDianNao's speed.");
        h.multiples(m -> skipping.forEach(n -> m.bars(n, layers, List.of(new HtmlReport.Series(n,
                perLayer(variants.get(n), layers, LayerReport::speedup), colour.get(n))), shared)));
        h.paragraph("The same speedups as a table: blue above 1.0, red below, deeper the further (4x and beyond "
                + "at full depth).");
        h.heatTable("variant \\ layer", layers, skipping, skipping.stream()
                .map(n -> perLayer(variants.get(n), layers, LayerReport::speedup)).toList());
        h.heading("Totals");
        List<List<String>> rows = new ArrayList<>();
        variants.forEach((name, r) -> rows.add(List.of(name, String.format(Locale.ROOT, "%.0f",
                        r.totals().cyclesPerImage()), String.format(Locale.ROOT, "%.2f", r.totals().speedup()),
                String.format(Locale.ROOT, "%.3f", r.totals().footprintRelativeToRaw()),
                String.format(Locale.ROOT, "%.2f", r.totals().energyPicojoulesPerImage() / 1e6),
                r.accuracy() == null ? "-" : ReportPages.pct(r.accuracy().fixedTop1()))));
        h.table(List.of("variant", "cycles/img", "speedup", "footprint x raw", "energy uJ/img", "top-1"), rows);
        Map<String, Object> runs = new LinkedHashMap<>();
        variants.forEach((name, r) -> runs.put(name, r.run()));
        h.json("Machine", first.machine());
        h.json("Runs", runs);
        return h;
    }

    /** Cycles per image per layer of the first DaDianNao and Cnvlutin variants and the fastest Cnvlutin2 one. */
    private static void cyclesOfThreeDesigns(HtmlReport h, Map<String, RunReport> variants, List<String> layers,
                                             Map<String, String> colour) {
        List<String> picked = new ArrayList<>();
        variants.entrySet().stream().filter(e -> e.getValue().run().arch().equals("dadn")).findFirst()
                .ifPresent(e -> picked.add(e.getKey()));
        variants.entrySet().stream().filter(e -> e.getValue().run().arch().equals("cnv")).findFirst()
                .ifPresent(e -> picked.add(e.getKey()));
        variants.entrySet().stream().filter(e -> e.getValue().run().arch().equals("cnv2"))
                .max(Comparator.comparingDouble(e -> e.getValue().totals().speedup()))
                .ifPresent(e -> picked.add(e.getKey()));
        List<HtmlReport.Series> series = new ArrayList<>();
        List<Double> all = new ArrayList<>();
        for (String n : picked) {
            RunReport r = variants.get(n);
            List<Double> cycles = perLayer(r, layers, l -> l.cyclesPerImage());
            all.addAll(cycles);
            series.add(new HtmlReport.Series(n, cycles, colour.get(n)));
        }
        h.bars("Cycles per image per layer: DaDianNao, Cnvlutin, the fastest Cnvlutin2 variant", layers, series,
                Axis.magnitudes("cycles per image", all));
    }

    private static List<Double> total(Map<String, RunReport> variants, ToDoubleFunction<RunReport> f) {
        return variants.values().stream().map(r -> f.applyAsDouble(r)).toList();
    }

    /** A variant's figure for each of {@code layers}, in their order (null where the variant lacks the layer). */
    private static List<Double> perLayer(RunReport r, List<String> layers, ToDoubleFunction<LayerReport> f) {
        Map<String, LayerReport> byName = new LinkedHashMap<>();
        r.layers().forEach(l -> byName.put(l.name(), l));
        return layers.stream().map(l -> byName.containsKey(l) ? f.applyAsDouble(byName.get(l)) : null).toList();
    }
}
