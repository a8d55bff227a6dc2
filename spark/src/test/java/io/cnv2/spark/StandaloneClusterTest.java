package io.cnv2.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.accuracy.ThresholdSweep;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real standalone Spark cluster on loopback: a master and two workers (one core each) started
 * here as separate JVMs, an executor JVM per worker, the test as the driver. The results equal
 * the single-machine ones, also when an executor is killed in the middle of a sweep.
 */
class StandaloneClusterTest {
    private static final List<Process> STARTED = new ArrayList<>();
    private static Path dir;
    private static JavaSparkContext sc;
    private static Fashion fashion;

    @BeforeAll
    static void startCluster() throws Exception {
        dir = Files.createTempDirectory("cnv2-spark-cluster");
        Path home = Jvms.sparkHome(dir.resolve("spark-home"));
        Map<String, String> env = Map.of("SPARK_HOME", home.toString(), "SPARK_LOCAL_IP", "127.0.0.1",
                "SPARK_SCALA_VERSION", "2.13");
        int port = Jvms.freePort();
        String master = "spark://127.0.0.1:" + port;
        STARTED.add(Jvms.start("org.apache.spark.deploy.master.Master", List.of("--host", "127.0.0.1", "--port",
                String.valueOf(port), "--webui-port", String.valueOf(Jvms.freePort())), env, dir.resolve("master.log"),
                "-Xmx256m", "-Dspark.master.rest.enabled=false"));
        waitForPort(port, dir.resolve("master.log"));
        for (int w = 1; w <= 2; w++) {
            Path work = Files.createDirectories(dir.resolve("worker" + w));
            STARTED.add(Jvms.start("org.apache.spark.deploy.worker.Worker", List.of("--host", "127.0.0.1", "--cores",
                    "1", "--memory", "1536m", "--webui-port", String.valueOf(Jvms.freePort()), "--work-dir",
                    work.toString(), master), env, dir.resolve("worker" + w + ".log"), "-Xmx256m"));
        }
        fashion = new Fashion(80, 0.3);
        sc = SparkContexts.open(master, "cnv2-cluster-test", Map.of("spark.driver.host", "127.0.0.1",
                "spark.driver.bindAddress", "127.0.0.1", "spark.executor.memory", "1g", "spark.cores.max", "2",
                // the executors run the classes under test (module folders and jars) from where the build put them
                "spark.executor.extraClassPath", Jvms.classpath()));
        long deadline = System.currentTimeMillis() + 60_000;
        while (sc.sc().getExecutorMemoryStatus().size() < 3) { // the driver and two executors
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("executors did not register; worker log:\n"
                        + Jvms.tail(dir.resolve("worker1.log")));
            }
            Thread.sleep(200);
        }
    }

    @AfterAll
    static void stopCluster() {
        if (sc != null) {
            sc.stop();
        }
        for (int i = STARTED.size() - 1; i >= 0; i--) {
            Jvms.kill(STARTED.get(i));
        }
    }

    @Test
    void aStandaloneClusterGivesTheSingleMachineResults() {
        Equivalence.check(fashion, Equivalence.emulation(sc, fashion,
                ShippedImages.of(sc, Fashion.DATASET, fashion.samples), 20, null), true);
    }

    @Test
    void aSweepWhoseExecutorIsKilledGivesTheUninterruptedResult() throws Exception {
        ThresholdSweep.Result uninterrupted = Equivalence.grid(fashion, null);
        AtomicBoolean killed = new AtomicBoolean();
        AtomicReference<String> which = new AtomicReference<>();
        SparkEmulation spark = Equivalence.emulation(sc, fashion, fashion.shared(), 10, dir.resolve("parts"))
                .onImages(n -> {
                    // after the first parts arrive, kill one worker's executor JVM (SIGKILL, mid-task)
                    if (n > 0 && killed.compareAndSet(false, true)) {
                        ProcessHandle executor = STARTED.get(1).descendants()
                                .filter(StandaloneClusterTest::isExecutor).findFirst().orElseThrow();
                        which.set("executor " + executor.pid());
                        executor.destroyForcibly();
                    }
                });
        ThresholdSweep.Result r = Equivalence.grid(fashion, spark);
        assertTrue(killed.get());
        assertTrue(which.get().startsWith("executor"), which.get());
        assertEquals(Fashion.json(uninterrupted), Fashion.json(r));
    }

    /** A worker's child that is an executor JVM (its command line names Spark's executor backend). */
    private static boolean isExecutor(ProcessHandle p) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(p.pid()), "cmdline")))
                    .contains("CoarseGrainedExecutorBackend");
        } catch (IOException e) {
            return false;
        }
    }

    private static void waitForPort(int port, Path log) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("the master did not start:\n" + Jvms.tail(log));
    }
}
