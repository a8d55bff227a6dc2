package io.cnv2.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads JMH's JSON results of {@link LayerBenchmark} and prints, per layer, milliseconds and
 * GMAC/s of each method and the time ratio of cnv2's fast paths to libtorch measured in the
 * same run; then how much slower the CNV reference path is than the fast one.
 */
public final class Summary {
    private Summary() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, Map<String, double[]>> byLayer = new LinkedHashMap<>();
        for (String file : args) {
            for (JsonNode r : new ObjectMapper().readTree(new File(file))) {
                String method = r.get("benchmark").asText().replaceAll(".*\\.", "");
                JsonNode timing = r.get("params").get("timing");
                // one row per layer and timing profile (CNV2-MODEL.md 4a); libtorch's time is the same for both
                JsonNode zeros = r.get("params").get("sparsity");
                String layer = r.get("params").get("layer").asText() + (timing == null ? "" : "/" + timing.asText())
                        + (zeros == null ? "" : "/" + zeros.asText());
                JsonNode m = r.get("primaryMetric");
                byLayer.computeIfAbsent(layer, k -> new LinkedHashMap<>())
                        .put(method + (file.contains("reference") ? "@ref" : ""),
                                new double[] {m.get("score").asDouble(), m.get("scoreError").asDouble()});
            }
        }
        System.out.printf(Locale.ROOT, "%-21s %12s %16s %16s %16s %9s %9s %9s %10s %16s%n", "layer/timing/zeros",
                "MACs", "dadn ms", "cnv ms", "torch ms", "dadn GM/s", "cnv GM/s", "torch GM/s", "dadn/torch",
                "cnv/torch");
        for (var e : byLayer.entrySet()) {
            Map<String, double[]> m = e.getValue();
            if (!m.containsKey("libtorch")) {
                continue;
            }
            long macs = LayerBenchmark.geometry(e.getKey().replaceAll("/.*", "")).macs();
            double[] dadn = m.getOrDefault("dadnFast", new double[] {Double.NaN, Double.NaN});
            double[] cnv = m.get("cnvFast");
            double[] torch = m.get("libtorch");
            double d = dadn[0];
            double c = cnv[0];
            double t = torch[0];
            // the ratio's error bar from the two 99.9 % intervals, propagated as independent relative errors
            double ratioError = c / t * Math.hypot(cnv[1] / c, torch[1] / t);
            System.out.printf(Locale.ROOT, "%-21s %,12d %16s %16s %16s %9.2f %9.2f %9.2f %10.2f %16s%n",
                    e.getKey(), macs, pm(dadn), pm(cnv), pm(torch), gmacs(macs, d), gmacs(macs, c), gmacs(macs, t),
                    d / t, String.format(Locale.ROOT, "%.2f ± %.2f", c / t, ratioError));
        }
        for (var e : byLayer.entrySet()) {
            double[] ref = e.getValue().get("cnvReference@ref");
            double[] fast = e.getValue().get("cnvFast@ref");
            if (ref != null && fast != null) {
                System.out.printf(Locale.ROOT, "CNV reference path on %s: %.1f ms, %.0fx the fast path's %.2f ms%n",
                        e.getKey(), ref[0], ref[0] / fast[0], fast[0]);
            }
        }
    }

    /** A score with its 99.9 % interval. */
    private static String pm(double[] score) {
        return String.format(Locale.ROOT, "%.3f ± %.3f", score[0], score[1]);
    }

    private static double gmacs(long macs, double ms) {
        return macs / (ms * 1e6);
    }
}
