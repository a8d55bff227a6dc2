package io.cnv2.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cnv2.accuracy.AccuracyRun;
import io.cnv2.accuracy.ConfigRunner;
import io.cnv2.accuracy.ThresholdSweep;
import io.cnv2.config.RunConfig;
import io.cnv2.stats.RunReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The checks every Spark set-up must pass: an accuracy run, the reports of several runs (every
 * per-layer statistic), a grid sweep and a per-layer search, each equal to the single-machine
 * result, every number (wall time aside).
 */
final class Equivalence {
    static final double[] GRID = {0, 0.2, 0.6};
    static final String MODEL = "fashion_cnn.onnx";

    private Equivalence() {
    }

    /** With {@code search} also the per-layer search (the longest: one job per point). */
    static void check(Fashion f, SparkEmulation spark, boolean search) {
        int n = f.samples.size();
        AccuracyRun.Result single = AccuracyRun.measure(f.emulator, f.samples, MODEL, Fashion.DATASET, null);
        assertEquals(Fashion.json(single), Fashion.json(spark.accuracy()), "accuracy run");

        List<RunConfig> runs = List.of(f.emulator.run().withThresholds(0.1, Map.of()),
                f.emulator.run().withThresholds(0, Map.of("conv2", 0.5)));
        List<RunReport> local = ConfigRunner.local(f.emulator, f.samples, MODEL, Fashion.DATASET)
                .reports(runs, 7, n - 3);
        List<RunReport> distributed = spark.reports(runs, 7, n - 3);
        for (int i = 0; i < runs.size(); i++) {
            assertEquals(Fashion.json(local.get(i)), Fashion.json(distributed.get(i)), "report of run " + i);
        }

        assertEquals(Fashion.json(grid(f, null)), Fashion.json(grid(f, spark)), "grid sweep");
        if (search) {
            assertEquals(Fashion.json(search(f, null)), Fashion.json(search(f, spark)), "per-layer search");
        }
    }

    /** A grid sweep on this machine (spark null) or on Spark. */
    static ThresholdSweep.Result grid(Fashion f, SparkEmulation spark) {
        if (spark == null) {
            return new ThresholdSweep(f.emulator, MODEL, Fashion.DATASET, null).grid(f.samples, GRID);
        }
        return new ThresholdSweep(spark.base(), MODEL, Fashion.DATASET, null).runner(spark)
                .grid(f.samples.size(), GRID);
    }

    /**
     * A grid sweep on Spark over the first {@code images} images, read from the shared file as a
     * set no other test uses (executor JVMs remember float classes per set): the single-machine
     * result, with each image's float reference run once in all (the first point's tasks), not
     * once per point.
     */
    static void floatReferenceOncePerImage(org.apache.spark.api.java.JavaSparkContext sc, Fashion f, int images) {
        SparkEmulation spark = emulation(sc, f, SharedImages.idx(Fashion.DATASET,
                io.cnv2.models.ShippedModels.fashionMnistSampleDir().resolve("t10k-images-idx3-ubyte.gz"),
                io.cnv2.models.ShippedModels.fashionMnistSampleDir().resolve("t10k-labels-idx1-ubyte.gz"), images),
                10, null);
        ThresholdSweep.Result there = new ThresholdSweep(spark.base(), MODEL, Fashion.DATASET, null).runner(spark)
                .grid(images, GRID);
        ThresholdSweep.Result here = new ThresholdSweep(f.emulator, MODEL, Fashion.DATASET, null)
                .grid(f.samples.subList(0, images), GRID);
        assertEquals(Fashion.json(here), Fashion.json(there));
        assertEquals(images, spark.floatRuns(), "float reference runs for " + GRID.length + " points");
    }

    static ThresholdSweep.Result search(Fashion f, SparkEmulation spark) {
        int n = f.samples.size();
        int v = n / 2;
        if (spark == null) {
            return new ThresholdSweep(f.emulator, MODEL, Fashion.DATASET, null)
                    .search(f.samples.subList(0, v), f.samples.subList(v, n), GRID, 0.02, null);
        }
        return new ThresholdSweep(spark.base(), MODEL, Fashion.DATASET, null).runner(spark)
                .search(n, v, GRID, 0.02, null);
    }

    static SparkEmulation emulation(org.apache.spark.api.java.JavaSparkContext sc, Fashion f, ImageSet images,
                                    int partImages, Path parts) {
        return new SparkEmulation(sc, f.model, f.recipe, images, MODEL, Fashion.DATASET, partImages, parts);
    }
}
