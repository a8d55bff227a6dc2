package io.cnv2.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cnv2.accuracy.ThresholdSweep;
import io.cnv2.config.EnergyTable;
import io.cnv2.config.Json;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.stats.Accuracy;
import io.cnv2.stats.LayerReport;
import io.cnv2.stats.RunReport;
import io.cnv2.stats.Totals;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The rules of the report pages (issue 21, item 6), one test each, on hand-made reports whose
 * layers' network order is not their alphabetical order ("zeta" runs first, "alpha" second).
 * HtmlReportBrowserTest checks the same pages drawn in a browser.
 */
class ReportPagesTest {
    /** Network order: zeta, a host layer, alpha, mid. */
    private static final List<String> ORDER = List.of("zeta", "alpha", "mid");

    @Test
    void perLayerChartsFollowTheNetworkOrderNotTheAlphabet() {
        for (JsonNode c : charts(ReportPages.run(run("cnv")).html())) {
            assertEquals(ORDER, labels(c), title(c));
        }
        Map<String, RunReport> variants = new LinkedHashMap<>();
        variants.put("dadn", run("dadn"));
        variants.put("cnv", run("cnv"));
        variants.put("cnv2 zfnaf", run("cnv2"));
        for (JsonNode c : charts(ReportPages.compare(variants).html())) {
            if (!c.get("options").has("indexAxis")) {
                assertEquals(ORDER, labels(c), title(c));
            }
        }
    }

    @Test
    void sweepThresholdChartFollowsTheNetworkOrderThoughTheTableIsSorted() {
        Map<String, Double> chosen = new TreeMap<>(Map.of("alpha", 0.1, "mid", 0.2, "zeta", 0.3));
        ThresholdSweep.Point p = new ThresholdSweep.Point("validation", chosen, 0.9, 1.2);
        ThresholdSweep.Result s = new ThresholdSweep.Result("search", 0.92, 0.01, chosen, p, p, p, List.of(p), 1, 0);
        JsonNode c = chart(ReportPages.sweep(s, ORDER, RunConfig.DEFAULT.withArch("cnv"), "net.onnx", "set",
                Map.of()).html(), "Threshold per layer");
        assertEquals(ORDER, labels(c));
        assertEquals(List.of(0.3, 0.1, 0.2), numbers(c.get("data").get("datasets").get(0).get("data")));
    }

    @Test
    void titleNamesCommandModelAndDesignOnce() {
        String html = ReportPages.run(run("cnv2")).html();
        assertTrue(html.contains("<title>Run: net.onnx on Cnvlutin2 (zfnaf, found at output"), html.substring(0, 300));
        assertFalse(html.contains("cnv2 cnv2"));
        assertTrue(ReportPages.run(run("dadn")).html().contains("<title>Run: net.onnx on DaDianNao</title>"));
    }

    @Test
    void cyclesPerLayerShowDaDianNaoAndTheDesign() {
        JsonNode c = chart(ReportPages.run(run("cnv")).html(), "Cycles per image, per layer");
        assertEquals(List.of("DaDianNao", "Cnvlutin"), c.get("data").get("datasets").findValuesAsText("label"));
        assertEquals(List.of(4000.0, 200.0, 10.0), numbers(c.get("data").get("datasets").get(0).get("data")),
                "baseline cycles per image (over 2 images)");
        assertEquals("logarithmic", c.get("options").get("scales").get("y").get("type").asText(), "4000/10 is wide");
    }

    @Test
    void sparsityIsStackedAndItsPartsMakeAHundred() {
        JsonNode c = chart(ReportPages.run(run("cnv")).html(), "Input activations per layer");
        assertTrue(c.get("options").get("scales").get("y").get("stacked").asBoolean());
        JsonNode d = c.get("data").get("datasets");
        for (int i = 0; i < ORDER.size(); i++) {
            double sum = d.get(0).get("data").get(i).asDouble() + d.get(1).get("data").get(i).asDouble()
                    + d.get(2).get("data").get(i).asDouble();
            assertEquals(100, sum, 1e-9, ORDER.get(i));
        }
        assertEquals(30, d.get(1).get("data").get(0).asDouble(), 1e-9, "zeta: 30 % cut by the threshold");
    }

    @Test
    void speedupAxisHasTheOneLineAndGoesLogarithmicPastFourX() {
        Axis narrow = Axis.ratio("speedup", List.of(0.9, 1.2, 3.5), "1.0 = DaDianNao");
        assertEquals(1.0, narrow.reference());
        assertFalse(narrow.log());
        Axis wide = Axis.ratio("speedup", List.of(0.9, 1.1, 9.0), "1.0 = DaDianNao");
        assertTrue(wide.log(), "one 9x layer would flatten the rest on a linear axis");
        assertEquals(0.5, wide.min());
        assertEquals(10.0, wide.max());
    }

    @Test
    void magnitudesGoLogarithmicPastTwentyX() {
        assertFalse(Axis.magnitudes("cycles", List.of(10.0, 190.0)).log());
        assertTrue(Axis.magnitudes("cycles", List.of(10.0, 210.0)).log());
        assertFalse(Axis.magnitudes("cycles", List.of(0.0, 5000.0)).log(), "zeros are not on a log axis");
    }

    @Test
    void accuracyAxisIsZoomedToAPointEitherSide() {
        Axis a = Axis.zoomedPercent("top-1 (%)", List.of(93.8, 93.6));
        assertEquals(92.0, a.min());
        assertEquals(95.0, a.max());
        Axis top = Axis.zoomedPercent("top-1 (%)", List.of(99.5, 100.0));
        assertEquals(100.0, top.max(), "never past 100 %");
    }

    @Test
    void smallMultiplesShareOneAxis() {
        Axis shared = Axis.ratio("speedup", List.of(0.8, 2.3), "1.0").boundedBy(List.of(0.8, 2.3, 4.1));
        assertEquals(0.0, shared.min());
        assertEquals(5.0, shared.max());
    }

    @Test
    void paletteNeverRepeatsAColourWithinAChart() {
        assertTrue(Palette.FIXED.size() >= 12);
        List<String> colours = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            colours.add(Palette.colour(i));
        }
        assertEquals(100, new HashSet<>(colours).size(), colours.toString());
        assertTrue(colours.stream().allMatch(c -> c.matches("#[0-9a-f]{6}")));
    }

    @Test
    void paretoFrontierKeepsThePointsNoOtherBeatsOnBoth() {
        ThresholdSweep.Point a = point(0.95, 1.0);
        ThresholdSweep.Point b = point(0.90, 1.5);
        ThresholdSweep.Point beaten = point(0.89, 1.4);
        ThresholdSweep.Point c = point(0.80, 2.0);
        assertEquals(List.of(c, b, a), SweepPage.frontier(List.of(a, b, beaten, c)));
    }

    @Test
    void everyChartHasPngSvgAndCsvButtons() {
        String html = ReportPages.run(run("cnv")).html();
        int charts = count(html, "<canvas ");
        assertEquals(3, charts);
        for (String kind : List.of("png", "svg", "csv")) {
            assertEquals(charts, count(html, "data-kind=\"" + kind + "\""), kind);
        }
        assertTrue(html.contains("window.cnv2Report"), "the download code is in the page");
    }

    @Test
    void infiniteValuesAreGapsNotNumbers() {
        JsonNode c = chart(new HtmlReport("t", "s").bars("b", List.of("x", "y"),
                List.of(new HtmlReport.Series("s", List.of(1.0, Double.POSITIVE_INFINITY))), Axis.linear("v")).html(), "b");
        assertTrue(c.get("data").get("datasets").get(0).get("data").get(1).isNull());
    }

    // ---- hand-made reports ----

    /** Two images over zeta (accelerator), relu (host), alpha and mid (accelerator). */
    private static RunReport run(String arch) {
        List<LayerReport> layers = List.of(layer("zeta", "accelerator", 4000, 8000, 0.5, 0.3),
                layer("relu", "host-fixed", 0, 0, Double.NaN, Double.NaN),
                layer("alpha", "accelerator", 100, 400, 0.2, 0.0), layer("mid", "accelerator", 20, 20, 1.0, 0.0));
        // two images: per image = total / 2
        Totals t = new Totals(1000, 2000, 1000, 2000, 2060, 4120, 4210, 8420, 2.04, 2.1, 4.2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0.5, 3, 5e5, 1e6, 0, 0, 1);
        return new RunReport("cnv2", "net.onnx", "set", 2, MachineConfig.DEFAULT, RunConfig.DEFAULT.withArch(arch),
                EnergyTable.DEFAULT, null, Map.of(), layers, t, new Accuracy(0, Double.NaN, Double.NaN, 1), List.of(),
                List.of(), 0, List.of(), List.of());
    }

    private static LayerReport layer(String name, String placement, long cycles, long baseline, double effectual,
                                     double cut) {
        // two images: per image = total / 2
        return new LayerReport(name, "Conv", placement, List.of(1, 8), 100, 200, cycles / 2.0, cycles, baseline / 2.0,
                baseline, cycles == 0 ? 1 : (double) baseline / cycles, 1 - effectual - cut, 0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8,
                placement.equals("accelerator") ? 0.1 : null, 0, 0, 0, 0, 0.5, 2, effectual, cut, 0, 0, 0, 0, 1, null);
    }

    private static ThresholdSweep.Point point(double top1, double speedup) {
        return new ThresholdSweep.Point("validation", Map.of("zeta", speedup), top1, speedup);
    }

    // ---- reading a page's charts ----

    private static List<JsonNode> charts(String html) {
        Matcher m = Pattern.compile("<script type=\"application/json\" id=\"cnv2-charts\">(.*?)</script>",
                Pattern.DOTALL).matcher(html);
        assertTrue(m.find());
        List<JsonNode> out = new ArrayList<>();
        try {
            Json.MAPPER.readTree(m.group(1).replace("<\\/", "</")).forEach(c -> out.add(c.get("config")));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    private static JsonNode chart(String html, String titleStart) {
        return charts(html).stream().filter(c -> title(c).startsWith(titleStart)).findFirst()
                .orElseThrow(() -> new AssertionError("no chart " + titleStart));
    }

    private static String title(JsonNode c) {
        return c.get("options").get("plugins").get("title").get("text").asText();
    }

    private static List<String> labels(JsonNode c) {
        List<String> l = new ArrayList<>();
        c.get("data").get("labels").forEach(x -> l.add(x.asText()));
        return l;
    }

    private static List<Double> numbers(JsonNode array) {
        List<Double> l = new ArrayList<>();
        array.forEach(x -> l.add(x.asDouble()));
        return l;
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
