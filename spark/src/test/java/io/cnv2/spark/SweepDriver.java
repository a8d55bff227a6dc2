package io.cnv2.spark;

import io.cnv2.AtomicFiles;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A driver in its own JVM, for the test that kills it: a grid sweep on {@code local[2]} with
 * its parts checkpointed in {@code args[0]}; writes the result's JSON to {@code args[1]}.
 */
public final class SweepDriver {
    static final int IMAGES = 80;
    static final int PART_IMAGES = 5;

    private SweepDriver() {
    }

    public static void main(String[] args) {
        Fashion f = new Fashion(IMAGES, 0.3);
        JavaSparkContext sc = SparkContexts.open("local[2]", "cnv2-driver", Map.of("spark.driver.host", "127.0.0.1",
                "spark.driver.bindAddress", "127.0.0.1"));
        try {
            SparkEmulation spark = Equivalence.emulation(sc, f, f.shared(), PART_IMAGES, Path.of(args[0]));
            AtomicFiles.write(Path.of(args[1]), Fashion.json(Equivalence.grid(f, spark)));
            System.out.println("parts computed " + spark.computedParts() + " reused " + spark.reusedParts());
        } finally {
            sc.stop();
        }
    }
}
