package io.cnv2.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.accuracy.ThresholdSweep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spark embedded with two executor threads ({@code local[2]}) gives the single-machine results. */
class LocalSparkTest {
    private static JavaSparkContext sc;
    private static Fashion fashion;

    @BeforeAll
    static void start() {
        fashion = new Fashion(80, 0.3);
        sc = SparkContexts.open("local[2]", "cnv2-test", Map.of("spark.driver.host", "127.0.0.1",
                "spark.driver.bindAddress", "127.0.0.1"));
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    @Test
    void shippedImagesGiveTheSingleMachineResults() {
        Equivalence.check(fashion, Equivalence.emulation(sc, fashion,
                ShippedImages.of(sc, Fashion.DATASET, fashion.samples), 25, null), true);
    }

    @Test
    void imagesOnASharedFileSystemGiveTheSingleMachineResults() {
        Equivalence.check(fashion, Equivalence.emulation(sc, fashion, fashion.shared(), 40, null), false);
    }

    @Test
    void aSweepRunsEachImagesFloatReferenceOnce() {
        Equivalence.floatReferenceOncePerImage(sc, fashion, 70);
    }

    @Test
    void finishedPartsAreReadBackNotComputedAgain(@TempDir Path dir) throws Exception {
        SparkEmulation first = Equivalence.emulation(sc, fashion, fashion.shared(), 27, dir);
        ThresholdSweep.Result a = Equivalence.grid(fashion, first);
        assertEquals(Equivalence.GRID.length * 3, first.computedParts());
        try (var files = Files.list(dir)) {
            assertEquals(Equivalence.GRID.length * 3, files.count(), "one file per finished part");
        }
        SparkEmulation again = Equivalence.emulation(sc, fashion, fashion.shared(), 27, dir);
        ThresholdSweep.Result b = Equivalence.grid(fashion, again);
        assertEquals(0, again.computedParts());
        assertEquals(Equivalence.GRID.length * 3, again.reusedParts());
        assertEquals(Fashion.json(a), Fashion.json(b));
        // other part boundaries are other parts: computed, not mixed up with these
        SparkEmulation other = Equivalence.emulation(sc, fashion, fashion.shared(), 40, dir);
        assertEquals(Fashion.json(a), Fashion.json(Equivalence.grid(fashion, other)));
        assertTrue(other.computedParts() > 0);
    }
}
