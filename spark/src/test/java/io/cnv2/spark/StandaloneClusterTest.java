package io.cnv2.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.accuracy.ThresholdSweep;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real standalone Spark cluster on loopback ({@link LoopbackCluster}: a master and two
 * workers, an executor JVM each, the test as the driver) gives the single-machine results, also
 * when an executor is killed in the middle of a sweep.
 */
class StandaloneClusterTest {
    private static LoopbackCluster cluster;
    private static Fashion fashion;

    @BeforeAll
    static void startCluster() throws Exception {
        fashion = new Fashion(80, 0.3);
        cluster = new LoopbackCluster(2);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aStandaloneClusterGivesTheSingleMachineResults() {
        Equivalence.check(fashion, Equivalence.emulation(cluster.sc, fashion,
                ShippedImages.of(cluster.sc, Fashion.DATASET, fashion.samples), 20, null), true);
    }

    @Test
    void aSweepOnTwoExecutorsRunsEachImagesFloatReferenceOnce() {
        Equivalence.floatReferenceOncePerImage(cluster.sc, fashion, 60);
    }

    @Test
    void aSweepWhoseExecutorIsKilledGivesTheUninterruptedResult() {
        ThresholdSweep.Result uninterrupted = Equivalence.grid(fashion, null);
        AtomicLong killed = new AtomicLong();
        SparkEmulation spark = Equivalence.emulation(cluster.sc, fashion, fashion.shared(), 10,
                cluster.dir.resolve("parts")).onImages(n -> {
                    // once the first parts are in, SIGKILL worker 1's executor JVM in the middle of its task
                    if (n > 0 && killed.get() == 0) {
                        ProcessHandle executor = cluster.executor(1);
                        killed.set(executor.pid());
                        executor.destroyForcibly();
                    }
                });
        ThresholdSweep.Result r = Equivalence.grid(fashion, spark);
        assertTrue(killed.get() > 0, "an executor was killed");
        assertEquals(Fashion.json(uninterrupted), Fashion.json(r));
    }
}
