package io.cnv2.report;

import io.cnv2.AtomicFiles;
import io.cnv2.config.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A self-contained HTML report: headings, text, tables, charts and a configuration block in one
 * file that needs no network to view. Charts are drawn by Chart.js (MIT; its UMD bundle from the
 * {@code org.webjars.npm:chart.js} artifact is inlined), without animation, so the page is fully
 * drawn once its scripts have run; the page then marks every drawn canvas
 * {@code data-rendered="true"} and the body {@code data-charts-rendered="N"}, or shows the
 * error, which is what the headless-browser test checks. Build with the fluent methods, then
 * {@link #html()} or {@link #write(Path)} (atomic).
 */
public final class HtmlReport {
    /** Where the Chart.js bundle sits on the class path. */
    static final String CHART_JS = "/META-INF/resources/webjars/chart.js/4.4.1/dist/chart.umd.js";
    /** A colour-blind-safe palette (Tableau 10), one colour per series. */
    static final List<String> PALETTE = List.of("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
            "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac");

    /** One bar series. */
    public record Series(String label, List<Double> values) {
    }

    /** One point of a curve, with the text its tooltip shows. */
    public record Point(double x, double y, String label) {
    }

    /** One curve; {@code connected} false draws the points alone (a cloud of trials). */
    public record Curve(String label, List<Point> points, boolean connected) {
    }

    private final String title;
    private final StringBuilder body = new StringBuilder();
    private final List<Map<String, Object>> charts = new ArrayList<>();

    public HtmlReport(String title) {
        this.title = title;
    }

    public HtmlReport heading(String text) {
        body.append("<h2>").append(escape(text)).append("</h2>\n");
        return this;
    }

    public HtmlReport paragraph(String text) {
        body.append("<p>").append(escape(text)).append("</p>\n");
        return this;
    }

    /** A table; cells are text (escaped), numbers right-aligned. */
    public HtmlReport table(List<String> header, List<List<String>> rows) {
        body.append("<table>\n<tr>");
        header.forEach(h -> body.append("<th>").append(escape(h)).append("</th>"));
        body.append("</tr>\n");
        for (List<String> row : rows) {
            body.append("<tr>");
            for (String cell : row) {
                boolean number = cell.matches("[-+]?[0-9.,]+( ?%| x)?");
                body.append(number ? "<td class=\"n\">" : "<td>").append(escape(cell)).append("</td>");
            }
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /** A grouped bar chart: one bar per series and category. */
    public HtmlReport bars(String chartTitle, String yLabel, List<String> categories, List<Series> series) {
        List<Object> datasets = new ArrayList<>();
        for (int i = 0; i < series.size(); i++) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("label", series.get(i).label());
            d.put("data", series.get(i).values());
            d.put("backgroundColor", PALETTE.get(i % PALETTE.size()));
            datasets.add(d);
        }
        return chart("bar", chartTitle, Map.of("labels", categories, "datasets", datasets),
                axes(null, yLabel, true));
    }

    /** Curves of y against x, each point labelled in its tooltip. */
    public HtmlReport curves(String chartTitle, String xLabel, String yLabel, List<Curve> curves) {
        List<Object> datasets = new ArrayList<>();
        for (int i = 0; i < curves.size(); i++) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("label", curves.get(i).label());
            d.put("data", curves.get(i).points().stream().map(p -> Map.of("x", p.x(), "y", p.y())).toList());
            d.put("pointLabels", curves.get(i).points().stream().map(Point::label).toList());
            d.put("showLine", curves.get(i).connected());
            d.put("borderColor", PALETTE.get(i % PALETTE.size()));
            d.put("backgroundColor", PALETTE.get(i % PALETTE.size()));
            d.put("pointRadius", 4);
            datasets.add(d);
        }
        return chart("scatter", chartTitle, Map.of("datasets", datasets), axes(xLabel, yLabel, false));
    }

    /** A value (the configuration, say) as indented JSON. */
    public HtmlReport json(String heading, Object value) {
        body.append("<details open><summary>").append(escape(heading)).append("</summary><pre>")
                .append(escape(Json.write(value))).append("</pre></details>\n");
        return this;
    }

    private static Map<String, Object> axes(String xLabel, String yLabel, boolean beginAtZero) {
        Map<String, Object> x = new LinkedHashMap<>();
        if (xLabel != null) {
            x.put("title", Map.of("display", true, "text", xLabel));
        }
        Map<String, Object> y = new LinkedHashMap<>();
        y.put("beginAtZero", beginAtZero);
        y.put("title", Map.of("display", true, "text", yLabel));
        return Map.of("x", x, "y", y);
    }

    private HtmlReport chart(String type, String chartTitle, Map<String, Object> data, Map<String, Object> scales) {
        String id = "chart" + charts.size();
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("animation", false);
        options.put("responsive", true);
        options.put("maintainAspectRatio", false);
        options.put("scales", scales);
        options.put("plugins", Map.of("title", Map.of("display", true, "text", chartTitle)));
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("type", type);
        config.put("data", data);
        config.put("options", options);
        charts.add(Map.of("canvas", id, "config", config));
        body.append("<div class=\"chart\"><canvas id=\"").append(id).append("\" role=\"img\" aria-label=\"")
                .append(escape(chartTitle)).append("\"></canvas></div>\n");
        return this;
    }

    /** The page. */
    public String html() {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(escape(title)).append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n")
                .append("<h1>").append(escape(title)).append("</h1>\n").append(body)
                .append("<p id=\"chart-error\" hidden></p>\n")
                .append("<script type=\"application/json\" id=\"cnv2-charts\">")
                .append(scriptSafe(Json.write(charts))).append("</script>\n<script>\n").append(scriptSafe(chartJs()))
                .append("\n</script>\n<script>\n").append(DRAW).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    /** Writes the page atomically (a temporary file, then a rename). */
    public void write(Path file) {
        AtomicFiles.write(file, html());
    }

    private static String chartJs() {
        try (InputStream in = HtmlReport.class.getResourceAsStream(CHART_JS)) {
            if (in == null) {
                throw new IllegalStateException("Chart.js is not on the class path at " + CHART_JS
                        + " (dependency org.webjars.npm:chart.js)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read Chart.js from the class path", e);
        }
    }

    /** Text inside a script element may not contain "</" (it would close the element). */
    private static String scriptSafe(String s) {
        return s.replace("</", "<\\/");
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static final String STYLE = """
            body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
            h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
            .chart { position: relative; height: 340px; margin: 1em 0; }
            table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
            th, td { border-bottom: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            pre { background: #f6f6f6; padding: 0.8em; font-size: 0.8em; overflow: auto; }
            #chart-error { color: #b00; font-weight: bold; }
            """;

    /** Draws every chart of the page; a point's tooltip shows its label (the thresholds of a sweep point). */
    private static final String DRAW = """
            (function () {
              var specs = JSON.parse(document.getElementById('cnv2-charts').textContent);
              var drawn = 0;
              try {
                specs.forEach(function (spec) {
                  var config = spec.config;
                  config.options.plugins.tooltip = { callbacks: { afterLabel: function (ctx) {
                    var labels = ctx.dataset.pointLabels;
                    return labels ? labels[ctx.dataIndex] : '';
                  } } };
                  var canvas = document.getElementById(spec.canvas);
                  new Chart(canvas, config);
                  canvas.setAttribute('data-rendered', 'true');
                  drawn++;
                });
              } catch (e) {
                var p = document.getElementById('chart-error');
                p.hidden = false;
                p.textContent = 'charts could not be drawn: ' + e;
              }
              document.body.setAttribute('data-charts-rendered', String(drawn));
            })();
            """;
}
