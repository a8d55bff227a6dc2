package io.cnv2.spark;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A real standalone Spark cluster on 127.0.0.1: a master and {@code workers} workers of one core
 * each, started as separate JVMs on the test classpath (DEPENDENCIES.md: a SPARK_HOME whose jars/
 * links the classpath's jars), and a driver context on it; {@link #close} stops what it started,
 * by process id.
 */
final class LoopbackCluster implements AutoCloseable {
    final List<Process> started = new ArrayList<>();
    final Path dir;
    final JavaSparkContext sc;

    LoopbackCluster(int workers) throws Exception {
        dir = Files.createTempDirectory("cnv2-spark-cluster");
        JavaSparkContext context = null;
        try {
            Path home = Jvms.sparkHome(dir.resolve("spark-home"));
            Map<String, String> env = Map.of("SPARK_HOME", home.toString(), "SPARK_LOCAL_IP", "127.0.0.1",
                    "SPARK_SCALA_VERSION", "2.13");
            int port = Jvms.freePort();
            String master = "spark://127.0.0.1:" + port;
            started.add(Jvms.start("org.apache.spark.deploy.master.Master", List.of("--host", "127.0.0.1", "--port",
                    String.valueOf(port), "--webui-port", String.valueOf(Jvms.freePort())), env,
                    dir.resolve("master.log"), "-Xmx256m", "-Dspark.master.rest.enabled=false"));
            waitForPort(port, dir.resolve("master.log"));
            for (int w = 1; w <= workers; w++) {
                Path work = Files.createDirectories(dir.resolve("worker" + w));
                started.add(Jvms.start("org.apache.spark.deploy.worker.Worker", List.of("--host", "127.0.0.1",
                        "--cores", "1", "--memory", "1536m", "--webui-port", String.valueOf(Jvms.freePort()),
                        "--work-dir", work.toString(), master), env, dir.resolve("worker" + w + ".log"), "-Xmx256m"));
            }
            context = SparkContexts.open(master, "cnv2-cluster-test", Map.of("spark.driver.host", "127.0.0.1",
                    "spark.driver.bindAddress", "127.0.0.1", "spark.executor.memory", "1g", "spark.cores.max",
                    String.valueOf(workers),
                    // executors run the classes under test (module folders and jars) from where the build put them
                    "spark.executor.extraClassPath", Jvms.classpath()));
            long deadline = System.currentTimeMillis() + 60_000;
            while (context.sc().getExecutorMemoryStatus().size() < workers + 1) { // the driver's block manager too
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("executors did not register; worker log:\n"
                            + Jvms.tail(dir.resolve("worker1.log")));
                }
                Thread.sleep(200);
            }
        } catch (Exception | Error e) {
            if (context != null) {
                context.stop();
            }
            stopProcesses();
            throw e;
        }
        sc = context;
    }

    /** Worker {@code w}'s (1-based) executor JVM. */
    ProcessHandle executor(int w) {
        return started.get(w).descendants().filter(LoopbackCluster::isExecutor).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        sc.stop();
        stopProcesses();
    }

    private void stopProcesses() {
        for (int i = started.size() - 1; i >= 0; i--) {
            Jvms.kill(started.get(i));
        }
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
