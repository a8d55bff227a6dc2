package io.cnv2.report;

import io.cnv2.AtomicFiles;
import io.cnv2.config.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A self-contained HTML report: headings, text, tables, charts and a configuration block in one
 * file that needs no network to view. Charts are drawn by Chart.js (MIT; its UMD bundle from the
 * {@code org.webjars.npm:chart.js} artifact is inlined) and {@code report.js} (this package's
 * resource), which adds the reference lines and point tags and, under every chart, buttons that
 * download it as PNG, as SVG (vector, drawn from the chart's layout) and its data as CSV. The
 * page marks every drawn canvas {@code data-rendered="true"} and the body
 * {@code data-charts-rendered="N"}, or shows the error, which is what the headless-browser test
 * checks. Build with the fluent methods, then {@link #html()} or {@link #write(Path)} (atomic).
 */
public final class HtmlReport {
    /** Where the Chart.js bundle sits on the class path. */
    static final String CHART_JS = "/META-INF/resources/webjars/chart.js/4.4.1/dist/chart.umd.js";

    /**
     * One series of values, one per category; its colour, or null for the chart's next one;
     * {@code colours}, when given, colours each bar apart (a bar per variant, in the variant's colour).
     */
    public record Series(String label, List<Double> values, String colour, List<String> colours) {
        public Series(String label, List<Double> values) {
            this(label, values, null, null);
        }

        public Series(String label, List<Double> values, String colour) {
            this(label, values, colour, null);
        }
    }

    /** One point of a curve: the text its tooltip shows, and a short tag drawn beside it (or null). */
    public record Point(double x, double y, String label, String tag) {
        public Point(double x, double y, String label) {
            this(x, y, label, null);
        }
    }

    /** One curve; {@code connected} false draws the points alone (a cloud of trials). */
    public record Curve(String label, List<Point> points, boolean connected) {
    }

    private final String title;
    private final String subtitle;
    private final StringBuilder body = new StringBuilder();
    private final List<Map<String, Object>> charts = new ArrayList<>();
    /** Inside {@link #multiples}: the charts are small, their titles wrap. */
    private boolean small;

    /** A page titled {@code title} (what was run, on which model and design), {@code subtitle} below it. */
    public HtmlReport(String title, String subtitle) {
        this.title = title;
        this.subtitle = subtitle;
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
                body.append(number(cell) ? "<td class=\"n\">" : "<td>").append(escape(cell)).append("</td>");
            }
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /**
     * A table of ratios shaded round 1.0 (a heat map a reader scans: blue above, red below, the
     * deeper the further, saturating at 4x either way); a cell without a value stays blank.
     */
    public HtmlReport heatTable(String corner, List<String> columns, List<String> rows, List<List<Double>> ratios) {
        body.append("<table class=\"heat\">\n<tr><th>").append(escape(corner)).append("</th>");
        columns.forEach(c -> body.append("<th>").append(escape(c)).append("</th>"));
        body.append("</tr>\n");
        for (int r = 0; r < rows.size(); r++) {
            body.append("<tr><td>").append(escape(rows.get(r))).append("</td>");
            for (Double v : ratios.get(r)) {
                if (v == null || !Double.isFinite(v) || v <= 0) {
                    body.append("<td></td>");
                    continue;
                }
                double depth = Math.min(1, Math.abs(Math.log(v)) / Math.log(4));
                int[] to = v >= 1 ? new int[] {0x4e, 0x79, 0xa7} : new int[] {0xe1, 0x57, 0x59};
                body.append(String.format(Locale.ROOT, "<td class=\"n\" style=\"background:#%02x%02x%02x%s\">%.2f</td>",
                        mix(to[0], depth), mix(to[1], depth), mix(to[2], depth), depth > 0.6 ? ";color:#fff" : "", v));
            }
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /** Grouped bars: one bar per series and category. */
    public HtmlReport bars(String chartTitle, List<String> categories, List<Series> series, Axis value) {
        return chart(chartTitle, ChartJs.bars(chartTitle, null, categories, series, value, false, false));
    }

    /** Stacked bars: the series' parts of each category's whole, on top of each other. */
    public HtmlReport stackedBars(String chartTitle, List<String> categories, List<Series> series, Axis value) {
        return chart(chartTitle, ChartJs.bars(chartTitle, null, categories, series, value, true, false));
    }

    /** Horizontal bars: for categories with long names (the variants of a comparison). */
    public HtmlReport horizontalBars(String chartTitle, List<String> categories, List<Series> series, Axis value) {
        return chart(chartTitle, ChartJs.bars(chartTitle, null, categories, series, value, false, true));
    }

    /** A dot per category and series (values on an axis that does not start at 0). */
    public HtmlReport dots(String chartTitle, List<String> categories, List<Series> series, Axis value) {
        return chart(chartTitle, ChartJs.dots(chartTitle, null, categories, series, value));
    }

    /** A line per series over ordered categories (a histogram's bins, named by {@code categoryTitle}). */
    public HtmlReport lines(String chartTitle, String categoryTitle, List<String> categories, List<Series> series,
                            Axis value) {
        return chart(chartTitle, ChartJs.lines(chartTitle, categoryTitle, categories, series, value));
    }

    /** Curves of y against x, each point labelled in its tooltip and tagged beside it when it has a tag. */
    public HtmlReport curves(String chartTitle, Axis x, Axis y, List<Curve> curves) {
        return chart(chartTitle, ChartJs.curves(chartTitle, x, y, curves));
    }

    /** Small multiples: the charts {@code charts} adds, side by side in a grid, each small. */
    public HtmlReport multiples(Consumer<HtmlReport> charts) {
        body.append("<div class=\"multiples\">\n");
        small = true;
        try {
            charts.accept(this);
        } finally {
            small = false;
        }
        body.append("</div>\n");
        return this;
    }

    /** A value (the configuration, say) as indented JSON. */
    public HtmlReport json(String heading, Object value) {
        body.append("<details open><summary>").append(escape(heading)).append("</summary><pre>")
                .append(escape(Json.write(value))).append("</pre></details>\n");
        return this;
    }

    private HtmlReport chart(String chartTitle, Map<String, Object> config) {
        String id = "chart" + charts.size();
        charts.add(Map.of("canvas", id, "config", small ? ChartJs.small(config) : config));
        String file = "fig" + charts.size() + "-" + slug(chartTitle);
        body.append("<figure><div class=\"chart\"><canvas id=\"").append(id).append("\" data-file=\"").append(file)
                .append("\" role=\"img\" aria-label=\"").append(escape(chartTitle)).append("\"></canvas></div>")
                .append("<div class=\"downloads\" data-chart=\"").append(id).append("\">")
                .append("<button type=\"button\" data-kind=\"png\" title=\"the chart as a PNG image, 3x screen "
                        + "resolution\">PNG</button>")
                .append("<button type=\"button\" data-kind=\"svg\" title=\"the chart as SVG (vector)\">SVG</button>")
                .append("<button type=\"button\" data-kind=\"csv\" title=\"the chart's data as CSV\">CSV</button>")
                .append("</div></figure>\n");
        return this;
    }

    /** The page. */
    public String html() {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(escape(title)).append("</title>\n<style>\n").append(resource("report.css"))
                .append("</style>\n</head>\n<body>\n<h1>").append(escape(title)).append("</h1>\n")
                .append("<p class=\"subtitle\">").append(escape(subtitle)).append("</p>\n").append(body)
                .append("<p id=\"chart-error\" hidden></p>\n")
                .append("<script type=\"application/json\" id=\"cnv2-charts\">")
                .append(scriptSafe(Json.write(charts))).append("</script>\n<script>\n")
                .append(scriptSafe(resource(CHART_JS))).append("\n</script>\n<script>\n")
                .append(scriptSafe(resource("report.js"))).append("</script>\n</body>\n</html>\n");
        return h.toString();
    }

    /** Writes the page atomically (a temporary file, then a rename). */
    public void write(Path file) {
        AtomicFiles.write(file, html());
    }

    private static String resource(String name) {
        try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path"
                        + (name.equals(CHART_JS) ? " (dependency org.webjars.npm:chart.js)" : ""));
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + name + " from the class path", e);
        }
    }

    private static boolean number(String cell) {
        return cell.matches("[-+]?[0-9.,]+( ?%| x)?");
    }

    private static int mix(int to, double depth) {
        return (int) Math.round(255 + (to - 255) * depth);
    }

    /** A file name from a chart title: lower case, words joined by dashes. */
    static String slug(String s) {
        String slug = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        return slug.length() > 60 ? slug.substring(0, 60).replaceAll("-$", "") : slug;
    }

    /** Text inside a script element may not contain "</" (it would close the element). */
    private static String scriptSafe(String s) {
        return s.replace("</", "<\\/");
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
