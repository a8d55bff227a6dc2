package io.cnv2.spark;

import io.cnv2.accuracy.ConfigRunner;
import io.cnv2.config.RunConfig;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Images per second of one sweep point (arch cnv, every threshold 0.3) on this machine (1 and 2
 * threads) and on Spark ({@code local[1]}, {@code local[2]}, a loopback standalone cluster of 1
 * and 2 one-core workers): the figures of docs/SPARK.md. A measurement, not a check: run it with
 * {@code -Dcnv2.throughput=IMAGES}.
 */
@EnabledIfSystemProperty(named = "cnv2.throughput", matches = "\\d+")
class ThroughputTest {
    @Test
    void imagesPerSecond() throws Exception {
        Fashion f = new Fashion(Integer.getInteger("cnv2.throughput"), 0.3);
        int n = f.samples.size(); // the shipped sample holds 1,000 images
        List<RunConfig> point = List.of(f.emulator.run().withThresholds(0.3, Map.of()));
        for (int threads : new int[] {1, 2}) {
            var e = f.emulator.with(f.emulator.run().withThreads(threads));
            ConfigRunner.local(e, f.samples, "m", "d").reports(point, 0, Math.min(n, 200)); // JIT warm-up
            long t0 = System.nanoTime();
            ConfigRunner.local(e, f.samples, "m", "d").reports(point, 0, n);
            report("single machine, " + threads + " thread(s)", n, t0);
        }
        for (String master : new String[] {"local[1]", "local[2]"}) {
            JavaSparkContext sc = SparkContexts.open(master, "cnv2-throughput", Map.of("spark.driver.host",
                    "127.0.0.1", "spark.driver.bindAddress", "127.0.0.1"));
            try {
                measure(master, sc, f, point, n);
            } finally {
                sc.stop();
            }
        }
        for (int workers : new int[] {1, 2}) {
            try (LoopbackCluster c = new LoopbackCluster(workers)) {
                measure("standalone, " + workers + " worker(s) of 1 core", c.sc, f, point, n);
            }
        }
    }

    private static void measure(String what, JavaSparkContext sc, Fashion f, List<RunConfig> point, int n) {
        SparkEmulation s = Equivalence.emulation(sc, f, f.shared(), 250, null);
        s.reports(point, 0, Math.min(n, 500)); // executors build the emulator and warm up
        long t0 = System.nanoTime();
        s.reports(point, 0, n);
        report("Spark " + what, n, t0);
    }

    private static void report(String what, int n, long t0) {
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "THROUGHPUT %-45s %6d images %7.2f s %8.1f images/s%n", what, n, secs, n / secs);
    }
}
