package io.cnv2.spark;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The Spark context of a cnv2 run. No master: the one {@code spark-submit} gave (the
 * {@code spark.master} property) or else embedded {@code local[*]}. Executors get the JVM
 * options every cnv2 entry point needs (DEPENDENCIES.md: DJL offline, no tracking, the Vector
 * API). Spark 4 needs no module openings on JDK 17 (DEPENDENCIES.md), so none are added.
 */
public final class SparkContexts {
    /** What every cnv2 JVM sets (DEPENDENCIES.md), executors included. */
    public static final String CNV2_OPTIONS = "--add-modules jdk.incubator.vector -Dai.djl.offline=true "
            + "-DOPT_OUT_TRACKING=true -Dai.djl.pytorch.graph_optimizer=false";

    private SparkContexts() {
    }

    /**
     * A context for {@code master} (null: spark-submit's, else {@code local[*]}); {@code settings}
     * are laid over ours (e.g. {@code spark.jars}, {@code spark.executor.memory}).
     */
    public static JavaSparkContext open(String master, String appName, Map<String, String> settings) {
        SparkConf conf = new SparkConf(); // reads the spark.* properties spark-submit sets
        if (master != null) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        conf.setAppName(appName);
        conf.setIfMissing("spark.ui.enabled", "false");
        conf.set("spark.executor.extraJavaOptions", (CNV2_OPTIONS + " "
                + conf.get("spark.executor.extraJavaOptions", "")).strip());
        // a task's result is one part's per-image classes and integer sums: small, but many at once
        conf.setIfMissing("spark.driver.maxResultSize", "2g");
        // executors' ONNX Runtime sends no telemetry (its opt-out is an environment variable, read
        // when its environment is created: OrtHost)
        conf.setExecutorEnv("ORT_DISABLE_TELEMETRY", "1");
        settings.forEach(conf::set);
        return new JavaSparkContext(conf);
    }
}
