package io.cnv2.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Reads JMH's JSON result of {@link SparkBenchmark} and prints images per second of each path
 * and its ratio to the single-machine path on the same number of cores, measured in the same run
 * (above 1: faster than this machine's own path; below 1: Spark's overhead).
 */
public final class SparkSummary {
    private SparkSummary() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, double[]> byPath = new LinkedHashMap<>();
        int images = 0;
        for (JsonNode r : new ObjectMapper().readTree(new File(args[0]))) {
            JsonNode m = r.get("primaryMetric");
            images = r.get("params").get("images").asInt();
            byPath.put(r.get("params").get("path").asText(),
                    new double[] {m.get("score").asDouble(), m.get("scoreError").asDouble()});
        }
        System.out.printf(Locale.ROOT, "%-14s %14s %10s %20s%n", "path", "s per " + images, "images/s",
                "vs here, same cores");
        for (var e : byPath.entrySet()) {
            double s = e.getValue()[0];
            String cores = e.getKey().substring(e.getKey().indexOf('-') + 1);
            double[] here = byPath.get("here-" + cores);
            String ratio = here == null ? "-" : String.format(Locale.ROOT, "%.2f", here[0] / s);
            System.out.printf(Locale.ROOT, "%-14s %8.2f ±%4.2f %10.1f %20s%n", e.getKey(), s, e.getValue()[1],
                    images / s, ratio);
        }
    }
}
