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
                String layer = r.get("params").get("layer").asText() + (timing == null ? "" : "/" + timing.asText());
                JsonNode m = r.get("primaryMetric");
                byLayer.computeIfAbsent(layer, k -> new LinkedHashMap<>())
                        .put(method + (file.contains("reference") ? "@ref" : ""),
                                new double[] {m.get("score").asDouble(), m.get("scoreError").asDouble()});
            }
        }
        System.out.printf(Locale.ROOT, "%-17s %12s %12s %12s %12s %9s %9s %9s %10s %10s%n", "layer/timing", "MACs",
                "dadn ms", "cnv ms", "torch ms", "dadn GM/s", "cnv GM/s", "torch GM/s", "dadn/torch", "cnv/torch");
        for (var e : byLayer.entrySet()) {
            Map<String, double[]> m = e.getValue();
            if (!m.containsKey("libtorch")) {
                continue;
            }
            long macs = LayerBenchmark.geometry(e.getKey().replaceAll("/.*", "")).macs();
            double d = m.get("dadnFast")[0];
            double c = m.get("cnvFast")[0];
            double t = m.get("libtorch")[0];
            System.out.printf(Locale.ROOT, "%-17s %,12d %12.3f %12.3f %12.3f %9.2f %9.2f %9.2f %10.2f %10.2f%n",
                    e.getKey(), macs, d, c, t, gmacs(macs, d), gmacs(macs, c), gmacs(macs, t), d / t, c / t);
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

    private static double gmacs(long macs, double ms) {
        return macs / (ms * 1e6);
    }
}
