package io.cnv2.spark;

import io.cnv2.accuracy.ConfigRunner;
import io.cnv2.config.RunConfig;
import java.util.Arrays;
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
    private static final int REPEATS = 3;

    @Test
    void imagesPerSecond() throws Exception {
        Fashion f = new Fashion(Integer.getInteger("cnv2.throughput"), 0.3);
        int n = f.samples.size(); // the shipped sample holds 1,000 images
        List<RunConfig> point = List.of(f.emulator.run().withThresholds(0.3, Map.of()));
        for (int threads : new int[] {1, 2}) {
            // the run handed over sets the threads (ConfigRunner.local runs base.with(run))
            List<RunConfig> here = List.of(point.get(0).withThreads(threads));
            var e = f.emulator;
            ConfigRunner.local(e, f.samples, "m", "d").reports(here, 0, Math.min(n, 200)); // JIT warm-up
            double[] secs = new double[REPEATS];
            for (int r = 0; r < REPEATS; r++) {
                long t0 = System.nanoTime();
                ConfigRunner.local(e, f.samples, "m", "d").reports(here, 0, n);
                secs[r] = (System.nanoTime() - t0) / 1e9;
            }
            report("single machine, " + threads + " thread(s)", n, secs);
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
        double[] secs = new double[REPEATS];
        for (int r = 0; r < REPEATS; r++) {
            long t0 = System.nanoTime();
            s.reports(point, 0, n);
            secs[r] = (System.nanoTime() - t0) / 1e9;
        }
        report("Spark " + what, n, secs);
    }

    /** The median of the repeats (a shared 2-core host: single runs move by tens of percent), and each. */
    private static void report(String what, int n, double[] secs) {
        double[] sorted = secs.clone();
        Arrays.sort(sorted);
        double median = sorted[sorted.length / 2];
        StringBuilder each = new StringBuilder();
        for (double s : secs) {
            each.append(String.format(Locale.ROOT, " %.1f", n / s));
        }
        System.out.printf(Locale.ROOT, "THROUGHPUT %-40s %6d images, median %7.2f s %7.1f images/s (each:%s)%n", what,
                n, median, n / median, each);
    }
}
