package io.cnv2.spark;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real standalone Spark cluster on 127.0.0.1 without a driver: a master and {@code workers}
 * workers of one core each, separate JVMs started the way DEPENDENCIES.md found to work (a
 * SPARK_HOME whose jars/ links Spark's jars, {@code --host 127.0.0.1}, no REST server,
 * SPARK_LOCAL_IP). {@link #close} stops what it started, by process id. Public: the examples
 * module submits the shaded application jar to it ({@code SparkSubmitIT}).
 */
public final class LoopbackSpark implements AutoCloseable {
    private final List<Process> started = new ArrayList<>();
    /** Logs, SPARK_HOME and the workers' work folders. */
    public final Path dir;
    /** {@code spark://127.0.0.1:PORT}. */
    public final String master;
    /** The environment Spark's processes need (SPARK_HOME, SPARK_LOCAL_IP, SPARK_SCALA_VERSION). */
    public final Map<String, String> env;

    /**
     * Starts a master and {@code workers} workers whose JVMs run on {@code classpath} and whose
     * SPARK_HOME links the jars of {@code sparkJars} (a Worker builds executor classpaths from it).
     */
    public LoopbackSpark(Path dir, String sparkJars, String classpath, int workers) throws IOException,
            InterruptedException {
        this.dir = dir;
        Path home = Jvms.sparkHome(dir.resolve("spark-home"), sparkJars);
        env = Map.of("SPARK_HOME", home.toString(), "SPARK_LOCAL_IP", "127.0.0.1", "SPARK_SCALA_VERSION", "2.13");
        int port = Jvms.freePort();
        master = "spark://127.0.0.1:" + port;
        try {
            started.add(Jvms.start(classpath, "org.apache.spark.deploy.master.Master", List.of("--host", "127.0.0.1",
                    "--port", String.valueOf(port), "--webui-port", String.valueOf(Jvms.freePort())), env,
                    dir.resolve("master.log"), "-Xmx256m", "-Dspark.master.rest.enabled=false"));
            waitForPort(port, dir.resolve("master.log"));
            for (int w = 1; w <= workers; w++) {
                started.add(Jvms.start(classpath, "org.apache.spark.deploy.worker.Worker", List.of("--host",
                        "127.0.0.1", "--cores", "1", "--memory", "1536m", "--webui-port",
                        String.valueOf(Jvms.freePort()), "--work-dir", workDir(w).toString(), master), env,
                        dir.resolve("worker" + w + ".log"), "-Xmx256m"));
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Worker {@code w}'s (1-based) work folder: one sub-folder per application it ran executors for. */
    public Path workDir(int w) throws IOException {
        return Files.createDirectories(dir.resolve("worker" + w));
    }

    /** Worker {@code w}'s (1-based) executor JVM. */
    public ProcessHandle executor(int w) {
        return started.get(w).descendants().filter(LoopbackSpark::isExecutor).findFirst().orElseThrow();
    }

    /** The last lines of worker 1's log, for failure messages. */
    public String workerLog() {
        return Jvms.tail(dir.resolve("worker1.log"));
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            Jvms.kill(started.get(i));
        }
        started.clear();
        // the SPARK_HOME's links point into the Maven repository: remove them, never what they point to
        try (var links = Files.list(dir.resolve("spark-home").resolve("jars"))) {
            for (Path link : (Iterable<Path>) links::iterator) {
                Files.deleteIfExists(link);
            }
        } catch (IOException e) {
            // nothing linked yet
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
