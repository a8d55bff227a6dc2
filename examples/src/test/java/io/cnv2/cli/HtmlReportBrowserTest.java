package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cnv2.config.Json;
import io.cnv2.report.Axis;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML reports of run, accuracy, compare, characterize and sweep, opened in headless
 * Chromium (Debian's {@code chromium}, installed by .ci/run). Each report is made once; a copy
 * with {@code report-probe.js} appended is opened and the probe reads back, after the page's
 * scripts ran, what every chart shows and what its downloads produce; each test checks one rule
 * of the figures (issue 21, item 6) on that. A screenshot of every report (1280 x 2400) goes to
 * {@code target/report-screenshots}, and to the folder {@code -Dcnv2.reportScreenshots} names
 * (docs/results/reports). Skipped without Chromium, except in CI (CNV2_REQUIRE_MODELS), where a
 * missing browser fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HtmlReportBrowserTest {
    private static final String WINDOW = "--window-size=1280,2400";

    /** Static: JUnit fills an instance field only after the {@code @BeforeAll} that makes the reports. */
    @TempDir
    static Path dir;

    private Path browser;
    /** The accelerator layers of the model in network order, from the run's JSON. */
    private List<String> layers;
    /** Page name to what its probe read. */
    private final Map<String, JsonNode> probes = new LinkedHashMap<>();
    private final Map<String, Path> pages = new LinkedHashMap<>();

    @BeforeAll
    void makeEveryReportAndProbeIt() throws Exception {
        browser = chromium();
        if (System.getenv("CNV2_REQUIRE_MODELS") == null) {
            assumeTrue(browser != null, "install Debian's chromium to run this test");
        }
        assertTrue(browser != null, "CI must have chromium (.ci/run installs it)");
        Path runJson = dir.resolve("run.json");
        report("run", "run", "--arch", "cnv", "--limit", "30", "--json", runJson.toString());
        layers = new ArrayList<>();
        for (JsonNode l : Json.MAPPER.readTree(runJson.toFile()).get("layers")) {
            if (l.get("placement").asText().equals("accelerator")) {
                layers.add(l.get("name").asText());
            }
        }
        report("accuracy", "accuracy", "--arch", "cnv", "--threshold", "0.2", "--limit", "30");
        report("compare", "compare", "--limit", "10", "--prune", "0.5");
        report("characterize", "characterize", "--limit", "10");
        report("characterize-panned", "characterize", "--panned", "8");
        report("sweep-grid", "sweep", "--mode", "grid", "--arch", "cnv", "--grid", "0,0.05,0.2,0.5", "--limit", "30",
                "--checkpoint", dir.resolve("grid.jsonl").toString());
        report("sweep-search", "sweep", "--arch", "cnv", "--grid", "0,0.3", "--limit", "30", "--validation", "20",
                "--checkpoint", dir.resolve("search.jsonl").toString());
        String probe;
        try (InputStream in = getClass().getResourceAsStream("report-probe.js")) {
            probe = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (Map.Entry<String, Path> e : pages.entrySet()) {
            String html = Files.readString(e.getValue(), StandardCharsets.UTF_8);
            assertFalse(html.contains("<script src") || html.contains("<link "), "self-contained: " + e.getKey());
            Path probed = dir.resolve(e.getKey() + "-probed.html");
            Files.writeString(probed, html.replace("</body>", "<script>\n" + probe + "</script>\n</body>"));
            String dom = run(WINDOW, "--dump-dom", probed.toUri().toString());
            assertTrue(dom.contains("id=\"chart-error\" hidden"), "no chart error shown: " + e.getKey());
            Matcher m = Pattern.compile("<pre id=\"probe\">(\\{.*?)</pre>", Pattern.DOTALL).matcher(dom);
            assertTrue(m.find(), "the probe ran: " + e.getKey());
            probes.put(e.getKey(), Json.MAPPER.readTree(m.group(1).replace("&lt;", "<").replace("&gt;", ">")
                    .replace("&nbsp;", "\u00a0").replace("&amp;", "&")));
        }
    }

    /** Every chart is drawn (ink in its plot area), has its three buttons, and each download is what it says. */
    @Test
    void everyChartIsDrawnAndDownloadsAsPngSvgAndCsv() {
        probes.forEach((page, probe) -> {
            assertTrue(probe.get("charts").size() >= 1, page + " has charts");
            for (JsonNode c : probe.get("charts")) {
                String what = page + " / " + c.path("title").asText(c.get("id").asText());
                assertFalse(c.has("missing"), "drawn: " + what);
                assertTrue(c.get("ink").asDouble() > 0.005, "non-blank plot area: " + what + " " + c.get("ink"));
                assertEquals(List.of("png", "svg", "csv"), texts(c.get("buttons")), what);
                assertEquals("data:image/png;base64,", c.get("png").get("prefix").asText(), what);
                assertEquals(3 * c.get("cssWidth").asInt(), c.get("png").get("width").asInt(), "PNG at 3x: " + what);
                assertTrue(c.get("canvasRestored").asBoolean(), "the chart on the page is back at screen size: " + what);
                JsonNode svg = c.get("svg");
                assertTrue(svg.get("wellFormed").asBoolean() && svg.get("root").asText().equals("svg"), what);
                assertTrue(String.join(" ", texts(svg.get("texts"))).contains(c.get("title").asText()
                        .split(" ")[0]), "the SVG has the title: " + what);
                int points = 0;
                for (JsonNode d : c.get("datasets")) {
                    for (JsonNode v : d.get("data")) {
                        points += v.isNull() ? 0 : 1;
                    }
                }
                int shapes = svg.get(c.get("type").asText().equals("bar") ? "rects" : "circles").asInt();
                assertTrue(shapes >= points, "the SVG draws every value as a shape: " + what + " " + shapes + " < "
                        + points);
                List<String> csv = texts(c.get("csv"));
                int rows = c.get("labels").size() > 0 ? c.get("labels").size() : pointCount(c);
                assertEquals(rows + 1, csv.size(), "CSV: a header and a row per category or point: " + what);
                for (JsonNode d : c.get("datasets")) {
                    assertTrue(String.join("\n", csv).contains(d.get("label").asText()), "CSV names " + d.get("label"));
                }
            }
        });
    }

    /** The page title says the command, the model and the design, once each ("cnv2 cnv2" no more). */
    @Test
    void titlesNameCommandModelAndDesign() {
        Map<String, String> starts = Map.of("run", "Run: ", "accuracy", "Accuracy: ", "compare", "Comparison: ",
                "characterize", "Potentials: ", "characterize-panned", "Temporal deltas: ", "sweep-grid",
                "Threshold sweep (grid): ", "sweep-search", "Threshold sweep (search): ");
        probes.forEach((page, probe) -> {
            String title = probe.get("title").asText();
            assertEquals(title, probe.get("h1").asText(), page);
            assertTrue(title.startsWith(starts.get(page)), page + ": " + title);
            assertTrue(title.contains("fashion_cnn"), "names the model: " + title);
            assertFalse(title.toLowerCase().contains("cnv2 cnv2"), title);
            if (!page.startsWith("characterize")) {
                assertTrue(title.contains("Cnvlutin") || title.contains("DaDianNao"), "names the design: " + title);
            }
        });
    }

    /** Every per-layer chart lists the layers in the run's (network) order, never sorted by name. */
    @Test
    void perLayerChartsFollowTheNetworkOrder() {
        List<String> withNetwork = new ArrayList<>(layers);
        withNetwork.add("network");
        int checked = 0;
        for (Map.Entry<String, JsonNode> e : probes.entrySet()) {
            for (JsonNode c : e.getValue().get("charts")) {
                List<String> labels = texts(c.get("labels"));
                if (labels.stream().anyMatch(layers::contains)) {
                    assertTrue(labels.equals(layers) || labels.equals(withNetwork),
                            e.getKey() + " / " + c.get("title") + ": " + labels + " vs " + layers);
                    checked++;
                }
                if (c.get("type").asText().equals("line") && c.get("title").asText().matches("(Activation|Weight).*")) {
                    assertEquals(layers, c.get("datasets").findValuesAsText("label"), "one line per layer, in order");
                }
            }
        }
        assertTrue(checked >= 3 + 3 + 11 + 10 + 2 + 1, "per-layer charts found on every page: " + checked);
        assertEquals(layers, labels(chart("sweep-search", "Threshold per layer")), "the sweep's table chart");
    }

    /**
     * Cycles per layer (DaDianNao and the design) and the speedup with its 1.0 line are on the run
     * and accuracy pages, on a log axis exactly when the values spread wide.
     */
    @Test
    void cyclesAndSpeedupPerLayerWithLogAxisWhenWide() {
        for (String page : List.of("run", "accuracy")) {
            JsonNode cycles = chart(page, "Cycles per image, per layer");
            assertEquals(List.of("DaDianNao", "Cnvlutin"), cycles.get("datasets").findValuesAsText("label"));
            assertEquals(spread(cycles) > Axis.WIDE, log(cycles, "y"), page + " cycles: log iff max/min > 20");
            JsonNode speedup = chart(page, "Speedup over DaDianNao per layer");
            assertEquals(1.0, speedup.get("reference").asDouble(), "the 1.0 line is drawn");
            assertEquals(spread(speedup) > Axis.WIDE_RATIO, log(speedup, "y"), page + " speedup: log iff spread > 4");
        }
        JsonNode cycles = chart("compare", "Cycles per image per layer: DaDianNao, Cnvlutin");
        assertEquals(3, cycles.get("datasets").size(), "DaDianNao, Cnvlutin and Cnvlutin2");
        assertEquals(spread(cycles) > Axis.WIDE, log(cycles, "y"));
        assertEquals(1.0, chart("compare", "Speedup over DaDianNao").get("reference").asDouble());
        assertEquals(1.0, chart("sweep-grid", "Speedup over DaDianNao vs top-1").get("reference").asDouble());
    }

    /** Zero, cut by the threshold and effectual are stacked and make 100 % of every layer's input. */
    @Test
    void sparsityIsOneStackedBarPerLayerSummingToAHundred() {
        for (String page : List.of("run", "accuracy")) {
            JsonNode c = chart(page, "Input activations per layer");
            assertEquals(List.of("zero", "cut by the threshold", "effectual"), c.get("datasets").findValuesAsText("label"));
            assertTrue(c.get("scales").get("x").get("stacked").asBoolean() && c.get("scales").get("y").get("stacked")
                    .asBoolean(), "stacked");
            for (int i = 0; i < layers.size(); i++) {
                double sum = 0;
                for (JsonNode d : c.get("datasets")) {
                    sum += d.get("data").get(i).asDouble();
                }
                assertEquals(100, sum, 1e-6, page + " " + layers.get(i));
            }
        }
        double cut = 0;
        for (JsonNode v : chart("accuracy", "Input activations per layer").get("datasets").get(1).get("data")) {
            cut += v.asDouble();
        }
        assertTrue(cut > 0, "at threshold 0.2 some activations are cut");
    }

    /** Accuracy axes span the data plus a point either side, not 0 to 100. */
    @Test
    void accuracyAxesAreZoomedToTheData() {
        for (JsonNode c : List.of(chart("accuracy", "Top-1 and top-5 per path"),
                chart("sweep-grid", "Speedup over DaDianNao vs top-1"), chart("sweep-search", "Speedup over DaDianNao vs top-1"))) {
            String axis = c.get("type").asText().equals("scatter") ? "x" : "y";
            List<Double> v = new ArrayList<>();
            for (JsonNode d : c.get("datasets")) {
                d.get("data").forEach(p -> v.add(p.isObject() ? p.get(axis).asDouble() : p.asDouble()));
            }
            double lo = v.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            double hi = v.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            JsonNode s = c.get("scales").get(axis);
            assertTrue(s.get("min").asDouble() <= lo && s.get("max").asDouble() >= hi, "every value in view");
            assertTrue(s.get("max").asDouble() - s.get("min").asDouble() <= hi - lo + 4, c.get("title") + ": " + s);
            assertFalse(s.get("min").asDouble() == 0 && s.get("max").asDouble() == 100 && hi - lo < 50, "not 0-100");
        }
    }

    /** Sweep points carry their thresholds as tags, placed so that no two tags overlap. */
    @Test
    void sweepPointsAreTaggedWithoutOverlap() {
        JsonNode grid = chart("sweep-grid", "Speedup over DaDianNao vs top-1");
        List<String> tagged = texts(grid.get("datasets").get(0).get("tags"));
        assertTrue(tagged.stream().allMatch(t -> t.startsWith("t = ")), tagged.toString());
        assertTrue(String.join(", ", tagged).replace("t = ", "").split(", ").length == 4, "all four thresholds: "
                + tagged);
        assertEquals(Set.copyOf(tagged), Set.copyOf(grid.get("tags").findValuesAsText("text")), "every tag placed");
        JsonNode search = chart("sweep-search", "Speedup over DaDianNao vs top-1");
        List<String> placed = search.get("tags").findValuesAsText("text");
        assertTrue(placed.contains("test, all 0") && placed.contains("test, table found"), placed.toString());
        assertTrue(placed.size() >= 3, "the frontier is tagged too: " + placed);
        for (JsonNode c : List.of(grid, search)) {
            JsonNode t = c.get("tags");
            for (int i = 0; i < t.size(); i++) {
                for (int j = i + 1; j < t.size(); j++) {
                    assertFalse(overlap(t.get(i), t.get(j)), "tags overlap: " + t.get(i) + " " + t.get(j));
                }
            }
        }
    }

    /** No colour repeats within a chart (between series, or between the bars of a per-variant series). */
    @Test
    void noColourRepeatsWithinAChart() {
        int variants = chart("compare", "Speedup over DaDianNao").get("labels").size();
        assertTrue(variants >= 11, "the comparison has eleven or more variants: " + variants);
        probes.forEach((page, probe) -> {
            for (JsonNode c : probe.get("charts")) {
                List<String> perSeries = new ArrayList<>();
                for (JsonNode d : c.get("datasets")) {
                    if (d.get("colour").isArray()) {
                        List<String> bars = texts(d.get("colour"));
                        assertEquals(bars.size(), new HashSet<>(bars).size(), page + " " + c.get("title") + ": " + bars);
                    } else {
                        perSeries.add(d.get("colour").asText());
                    }
                }
                assertEquals(perSeries.size(), new HashSet<>(perSeries).size(), page + " " + c.get("title") + ": "
                        + perSeries);
            }
        });
    }

    /** Many variants or metrics are small multiples on one shared axis, not a dozen series in one chart. */
    @Test
    void variantsAndMetricsAreSmallMultiplesOnOneAxis() {
        List<String> variants = labels(chart("compare", "Speedup over DaDianNao"));
        List<JsonNode> perVariant = charts("compare", c -> variants.contains(c.get("title").asText()));
        assertEquals(variants.size() - 1, perVariant.size(), "one chart per variant but DaDianNao");
        List<JsonNode> perMetric = charts("characterize", c -> c.get("title").asText().startsWith("Ideal speedup: "));
        assertEquals(10, perMetric.size(), "one chart per metric");
        for (List<JsonNode> multiples : List.of(perVariant, perMetric)) {
            JsonNode y = multiples.get(0).get("scales").get("y");
            for (JsonNode c : multiples) {
                assertEquals(1, c.get("datasets").size(), "one series per small chart");
                assertEquals(y.get("min").asDouble(), c.get("scales").get("y").get("min").asDouble(), 1e-9);
                assertEquals(y.get("max").asDouble(), c.get("scales").get("y").get("max").asDouble(), 1e-9);
            }
        }
        assertEquals(1, probes.get("compare").get("heatTables").asInt(), "and the speedups as a shaded table");
        probes.forEach((page, probe) -> probe.get("charts").forEach(c -> assertTrue(c.get("datasets").size() <= 8
                || c.get("type").asText().equals("line"), page + " " + c.get("title") + " has too many series")));
    }

    /** A screenshot of every report, for the issue and docs/results/reports. */
    @Test
    void screenshotOfEveryReport() throws Exception {
        Path shots = Path.of("target", "report-screenshots");
        Files.createDirectories(shots);
        String copyTo = System.getProperty("cnv2.reportScreenshots");
        for (Map.Entry<String, Path> e : pages.entrySet()) {
            Path png = shots.resolve(e.getKey() + ".png");
            run(WINDOW, "--hide-scrollbars", "--screenshot=" + png.toAbsolutePath(), e.getValue().toUri().toString());
            BufferedImage shot = ImageIO.read(png.toFile());
            assertEquals(1280, shot.getWidth(), e.getKey());
            long inked = 0;
            for (int y = 0; y < shot.getHeight(); y += 2) {
                for (int x = 0; x < shot.getWidth(); x += 2) {
                    inked += (shot.getRGB(x, y) & 0xffffff) != 0xffffff ? 1 : 0;
                }
            }
            assertTrue(inked > 20_000, e.getKey() + ": the screenshot shows the page: " + inked);
            assertTrue(Files.size(png) < 400_000, e.getKey() + ": screenshot under 400 KB: " + Files.size(png));
            if (copyTo != null) {
                Files.createDirectories(Path.of(copyTo));
                Files.copy(png, Path.of(copyTo, e.getKey() + ".png"), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    // ---- helpers ----

    private static Path chromium() {
        for (String c : new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
            if (Files.isExecutable(Path.of(c))) {
                return Path.of(c);
            }
        }
        return null;
    }

    private void report(String name, String command, String... args) {
        Path page = dir.resolve(name + ".html");
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of(args));
        all.addAll(List.of("--no-progress", "--report", page.toString()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        assertEquals(0, code, err.toString());
        assertTrue(Files.isRegularFile(page), command + " wrote its report");
        pages.put(name, page);
    }

    private String run(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(browser.toString(), "--headless=new", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--user-data-dir=" + dir.resolve("profile")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
        assertEquals(0, p.exitValue(), "chromium " + cmd);
        return new String(out, StandardCharsets.UTF_8);
    }

    private JsonNode chart(String page, String titleStart) {
        List<JsonNode> found = charts(page, c -> c.get("title").asText().startsWith(titleStart));
        assertEquals(1, found.size(), page + ": one chart titled '" + titleStart + "...'");
        return found.get(0);
    }

    private List<JsonNode> charts(String page, java.util.function.Predicate<JsonNode> which) {
        List<JsonNode> found = new ArrayList<>();
        probes.get(page).get("charts").forEach(c -> {
            if (which.test(c)) {
                found.add(c);
            }
        });
        return found;
    }

    private static List<String> labels(JsonNode chart) {
        return texts(chart.get("labels"));
    }

    private static List<String> texts(JsonNode array) {
        List<String> t = new ArrayList<>();
        array.forEach(v -> t.add(v.asText()));
        return t;
    }

    private static int pointCount(JsonNode chart) {
        int n = 0;
        for (JsonNode d : chart.get("datasets")) {
            n += d.get("data").size();
        }
        return n;
    }

    private static boolean log(JsonNode chart, String axis) {
        return chart.get("scales").get(axis).get("type").asText().equals("logarithmic");
    }

    /** Largest / smallest positive value of a chart. */
    private static double spread(JsonNode chart) {
        List<Double> v = new ArrayList<>();
        chart.get("datasets").forEach(d -> d.get("data").forEach(x -> {
            if (x.isNumber() && x.asDouble() > 0) {
                v.add(x.asDouble());
            }
        }));
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(1)
                / v.stream().mapToDouble(Double::doubleValue).min().orElse(1);
    }

    private static boolean overlap(JsonNode p, JsonNode q) {
        return p.get("x").asDouble() < q.get("x").asDouble() + q.get("w").asDouble()
                && q.get("x").asDouble() < p.get("x").asDouble() + p.get("w").asDouble()
                && p.get("y").asDouble() < q.get("y").asDouble() + q.get("h").asDouble()
                && q.get("y").asDouble() < p.get("y").asDouble() + p.get("h").asDouble();
    }
}
