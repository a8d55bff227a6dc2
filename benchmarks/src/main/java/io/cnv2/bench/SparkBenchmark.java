package io.cnv2.bench;

import io.cnv2.accuracy.ConfigRunner;
import io.cnv2.config.RunConfig;
import io.cnv2.spark.Fashion;
import io.cnv2.spark.LoopbackCluster;
import io.cnv2.spark.SparkContexts;
import io.cnv2.spark.SparkEmulation;
import io.cnv2.stats.RunReport;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.JavaSparkContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One sweep point (arch cnv, every threshold 0.3: float reference, accelerator and the report's
 * statistics) over the shipped Fashion-MNIST sample, on this machine and on Spark, in one JMH
 * run so the paths are compared under the same conditions (docs/SPARK.md, "Measured here"):
 * {@code here-N} is the single-machine path ({@link ConfigRunner#local}) on N threads,
 * {@code local-N} Spark embedded as {@code local[N]}, {@code standalone-N} a real standalone
 * cluster of N one-core workers on loopback with this JVM as its driver. Spark paths read the
 * images from the shared file (as {@code --spark-data shared}), 250 images per task. One
 * operation = all {@code images} images; the context or cluster starts outside the timing.
 * Measured is a sweep's later point: the float reference's classes are known after the first
 * ({@code FloatMemo} here, the driver's broadcast on Spark), so a point costs the accelerator
 * path and the statistics; the first warm-up iteration computes them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g", "-Dai.djl.offline=true",
        "-DOPT_OUT_TRACKING=true"})
@Warmup(iterations = 3)
@Measurement(iterations = 5)
public class SparkBenchmark {
    @Param({"here-1", "here-2", "local-1", "local-2", "standalone-1", "standalone-2"})
    public String path;

    @Param({"1000"})
    public int images;

    private ConfigRunner runner;
    private List<RunConfig> point;
    private JavaSparkContext sc;
    private LoopbackCluster cluster;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Fashion f = new Fashion(images, 0.3);
        String where = path.substring(0, path.indexOf('-'));
        int cores = Integer.parseInt(path.substring(path.indexOf('-') + 1));
        switch (where) {
            case "here" -> {
                runner = ConfigRunner.local(f.emulator, f.samples, "fashion_cnn.onnx", Fashion.DATASET);
                point = List.of(f.run.withThreads(cores)); // ConfigRunner.local runs base.with(run): the run sets threads
            }
            case "local" -> {
                sc = SparkContexts.open("local[" + cores + "]", "cnv2-benchmark", Map.of("spark.driver.host",
                        "127.0.0.1", "spark.driver.bindAddress", "127.0.0.1"));
                runner = spark(f, sc);
            }
            case "standalone" -> {
                cluster = new LoopbackCluster(cores);
                runner = spark(f, cluster.sc);
            }
            default -> throw new IllegalArgumentException("unknown path " + path);
        }
        if (point == null) {
            point = List.of(f.run);
        }
    }

    private static SparkEmulation spark(Fashion f, JavaSparkContext sc) {
        return new SparkEmulation(sc, f.model, f.recipe, f.shared(), "fashion_cnn.onnx", Fashion.DATASET, 250, null);
    }

    @Benchmark
    public List<RunReport> sweepPoint() {
        return runner.reports(point, 0, images);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (sc != null) {
            sc.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
    }
}
