package io.cnv2.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Chart.js configuration of each kind of chart a report draws (bars, stacked bars, dots,
 * lines, curves), as maps written into the page as JSON. No animation: the page is fully drawn
 * once its scripts ran (what the browser test and a printout need). Values that are not finite
 * become null, which Chart.js leaves as a gap.
 */
final class ChartJs {
    /** Characters per line of a chart title: what a third of the page holds at its font. */
    static final int TITLE_LINE = 46;

    private ChartJs() {
    }

    /** Bars per category, one per series side by side, or stacked; horizontal puts categories on the y axis. */
    static Map<String, Object> bars(String title, String categoryTitle, List<String> categories,
                                    List<HtmlReport.Series> series, Axis value, boolean stacked, boolean horizontal) {
        List<Object> datasets = new ArrayList<>();
        for (int i = 0; i < series.size(); i++) {
            HtmlReport.Series s = series.get(i);
            Map<String, Object> d = dataset(s.label(), values(s.values()));
            Object colour = s.colours() != null ? s.colours() : colour(s, i);
            d.put("backgroundColor", colour);
            d.put("borderColor", colour);
            if (value.reference() != null && !stacked) {
                d.put("base", value.reference()); // a ratio's bars grow up or down from 1.0
            }
            datasets.add(d);
        }
        Map<String, Object> options = options(title, value, Map.of("display", series.size() > 1));
        Map<String, Object> scales = new LinkedHashMap<>();
        scales.put(horizontal ? "y" : "x", category(categoryTitle, stacked));
        scales.put(horizontal ? "x" : "y", scale(value, stacked));
        options.put("scales", scales);
        if (horizontal) {
            options.put("indexAxis", "y");
        }
        return config("bar", Map.of("labels", categories, "datasets", datasets), options);
    }

    /** A dot per category and series, no bar: for a value axis that does not start at 0. */
    static Map<String, Object> dots(String title, String categoryTitle, List<String> categories,
                                    List<HtmlReport.Series> series, Axis value) {
        List<String> shapes = List.of("circle", "rectRot", "triangle", "rect", "star", "crossRot");
        List<Object> datasets = new ArrayList<>();
        for (int i = 0; i < series.size(); i++) {
            HtmlReport.Series s = series.get(i);
            Map<String, Object> d = dataset(s.label(), values(s.values()));
            d.put("backgroundColor", colour(s, i));
            d.put("borderColor", colour(s, i));
            d.put("showLine", false);
            d.put("pointRadius", 7);
            d.put("pointStyle", shapes.get(i % shapes.size()));
            d.put("clip", false); // a dot at 100 % sits on the axis' end: draw all of it
            datasets.add(d);
        }
        Map<String, Object> options = options(title, value, Map.of("display", true));
        Map<String, Object> x = category(categoryTitle, false);
        x.put("offset", true); // dots a half category in from the edges, like bars
        options.put("scales", Map.of("x", x, "y", scale(value, false)));
        return config("line", Map.of("labels", categories, "datasets", datasets), options);
    }

    /** One line per series over ordered categories (a histogram's bins), each its own colour and dash. */
    static Map<String, Object> lines(String title, String categoryTitle, List<String> categories,
                                     List<HtmlReport.Series> series, Axis value) {
        // the legend shows each line's colour and dash, not a filled box
        Map<String, Object> legend = Map.of("display", true, "labels", Map.of("usePointStyle", true,
                "pointStyle", "line", "pointStyleWidth", 34));
        List<Object> datasets = new ArrayList<>();
        for (int i = 0; i < series.size(); i++) {
            HtmlReport.Series s = series.get(i);
            Map<String, Object> d = dataset(s.label(), values(s.values()));
            d.put("backgroundColor", colour(s, i));
            d.put("borderColor", colour(s, i));
            d.put("borderDash", Palette.dash(i));
            d.put("borderWidth", 2);
            d.put("pointRadius", 2);
            datasets.add(d);
        }
        Map<String, Object> options = options(title, value, legend);
        options.put("scales", Map.of("x", category(categoryTitle, false), "y", scale(value, false)));
        return config("line", Map.of("labels", categories, "datasets", datasets), options);
    }

    /** Curves of y against x; a point's tag is drawn beside it, its label shows in its tooltip. */
    static Map<String, Object> curves(String title, Axis x, Axis y, List<HtmlReport.Curve> curves) {
        List<Object> datasets = new ArrayList<>();
        for (int i = 0; i < curves.size(); i++) {
            HtmlReport.Curve c = curves.get(i);
            Map<String, Object> d = dataset(c.label(), c.points().stream()
                    .map(p -> Map.of("x", p.x(), "y", p.y())).toList());
            d.put("pointLabels", c.points().stream().map(HtmlReport.Point::label).toList());
            if (c.points().stream().anyMatch(p -> p.tag() != null)) {
                d.put("pointTags", c.points().stream().map(p -> p.tag() == null ? "" : p.tag()).toList());
            }
            d.put("showLine", c.connected());
            d.put("borderColor", Palette.colour(i));
            d.put("backgroundColor", Palette.colour(i));
            d.put("pointRadius", c.connected() ? 5 : 3);
            d.put("clip", false); // a point at 100 % top-1 sits on the axis' end: draw all of it
            datasets.add(d);
        }
        Map<String, Object> options = options(title, y, Map.of("display", true));
        options.put("scales", Map.of("x", scale(x, false), "y", scale(y, false)));
        return config("scatter", Map.of("datasets", datasets), options);
    }

    /**
     * The chart made small (a third of the page): its title broken into lines, its reference line
     * unlabelled (the label would cover the bars; the axis title and the text above say what 1.0 is).
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> small(Map<String, Object> config) {
        Map<String, Object> plugins = (Map<String, Object>) ((Map<String, Object>) config.get("options")).get("plugins");
        Map<String, Object> title = (Map<String, Object>) plugins.get("title");
        List<String> lines = new ArrayList<>(lines((String) title.get("text")));
        if (lines.size() == 1) {
            lines.add(""); // two lines for every title: the plot areas of a grid line up
        }
        title.put("text", lines);
        Map<String, Object> reference = (Map<String, Object>) plugins.get("cnv2Reference");
        if (reference != null) {
            plugins.put("cnv2Reference", Map.of("value", reference.get("value"), "label", ""));
        }
        return config;
    }

    /** A long title broken at spaces into lines of at most {@link #TITLE_LINE} characters. */
    static List<String> lines(String title) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : title.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > TITLE_LINE) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.length() == 0 ? "" : " ").append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    private static Map<String, Object> dataset(String label, Object data) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("label", label);
        d.put("data", data);
        return d;
    }

    private static String colour(HtmlReport.Series s, int i) {
        return s.colour() != null ? s.colour() : Palette.colour(i);
    }

    private static List<Double> values(List<Double> v) {
        return v.stream().map(x -> x == null || !Double.isFinite(x) ? null : x).toList();
    }

    private static Map<String, Object> options(String title, Axis value, Map<String, Object> legend) {
        Map<String, Object> plugins = new LinkedHashMap<>();
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("display", true);
        t.put("text", title);
        t.put("font", Map.of("size", 14));
        plugins.put("title", t);
        plugins.put("legend", legend);
        if (value.reference() != null) {
            plugins.put("cnv2Reference", Map.of("value", value.reference(),
                    "label", value.referenceLabel() == null ? "" : value.referenceLabel()));
        }
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("animation", false);
        options.put("responsive", true);
        options.put("maintainAspectRatio", false);
        options.put("plugins", plugins);
        return options;
    }

    private static Map<String, Object> config(String type, Map<String, Object> data, Map<String, Object> options) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("type", type);
        config.put("data", data);
        config.put("options", options);
        return config;
    }

    private static Map<String, Object> category(String title, boolean stacked) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", "category");
        s.put("stacked", stacked);
        if (title != null) {
            s.put("title", Map.of("display", true, "text", title));
        }
        return s;
    }

    static Map<String, Object> scale(Axis a, boolean stacked) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", a.log() ? "logarithmic" : "linear");
        s.put("stacked", stacked);
        if (!a.log() && a.min() == null) {
            s.put("beginAtZero", a.fromZero());
        }
        if (!a.log() && a.max() == null) {
            s.put("grace", "5%"); // the tallest bar does not touch the frame
        }
        if (a.min() != null) {
            s.put("min", a.min());
        }
        if (a.max() != null) {
            s.put("max", a.max());
        }
        if (a.reference() != null) {
            // the reference line is always in view, even when every value lies above it
            s.put("suggestedMin", a.reference());
            s.put("suggestedMax", a.reference());
        }
        s.put("title", Map.of("display", true, "text", a.title()));
        return s;
    }
}
