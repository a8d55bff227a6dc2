package io.cnv2.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A {@link LoopbackSpark} cluster on the test classpath with this JVM as its driver: a context
 * whose executors (one per worker) have registered; {@link #close} stops both. Public for the
 * benchmarks' {@code SparkBenchmark}.
 */
public final class LoopbackCluster implements AutoCloseable {
    final LoopbackSpark spark;
    final Path dir;
    public final JavaSparkContext sc;

    public LoopbackCluster(int workers) throws Exception {
        dir = Files.createTempDirectory("cnv2-spark-cluster");
        spark = new LoopbackSpark(dir, Jvms.classpath(), Jvms.classpath(), workers);
        JavaSparkContext context = null;
        try {
            context = SparkContexts.open(spark.master, "cnv2-cluster-test", Map.of("spark.driver.host", "127.0.0.1",
                    "spark.driver.bindAddress", "127.0.0.1", "spark.executor.memory", "1g", "spark.cores.max",
                    String.valueOf(workers),
                    // executors run the classes under test (module folders and jars) from where the build put them
                    "spark.executor.extraClassPath", Jvms.classpath()));
            long deadline = System.currentTimeMillis() + 60_000;
            while (context.sc().getExecutorMemoryStatus().size() < workers + 1) { // the driver's block manager too
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("executors did not register; worker log:\n" + spark.workerLog());
                }
                Thread.sleep(200);
            }
        } catch (Exception | Error e) {
            if (context != null) {
                context.stop();
            }
            spark.close();
            throw e;
        }
        sc = context;
    }

    /** Worker {@code w}'s (1-based) executor JVM. */
    ProcessHandle executor(int w) {
        return spark.executor(w);
    }

    @Override
    public void close() {
        sc.stop();
        spark.close();
    }
}
