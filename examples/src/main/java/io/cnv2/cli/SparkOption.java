package io.cnv2.cli;

import io.cnv2.BadInputException;
import io.cnv2.spark.EmulationRecipe;
import io.cnv2.spark.ImageSet;
import io.cnv2.spark.SharedImages;
import io.cnv2.spark.ShippedImages;
import io.cnv2.spark.SparkContexts;
import io.cnv2.spark.SparkEmulation;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Option;

/**
 * {@code --spark [MASTER]} and its settings, shared by {@code accuracy} and {@code sweep}: the
 * images split into parts that Spark executors emulate, the results those of the run on this
 * machine (docs/SPARK.md).
 */
final class SparkOption {
    @Option(names = "--spark", paramLabel = "MASTER", arity = "0..1", fallbackValue = "",
            description = "Run on Apache Spark: embedded (local[*]) with no MASTER, or a cluster (spark://host:7077, "
                    + "yarn, ...); under spark-submit its master.")
    String master;

    @Option(names = "--spark-data", paramLabel = "HOW", defaultValue = "ship",
            description = "How images reach executors: ship (read here, broadcast; the default) or shared (executors "
                    + "read the dataset's files at the same path: NFS or a copy on every node).")
    String data;

    @Option(names = "--spark-part-images", paramLabel = "N", defaultValue = "250",
            description = "Images per Spark task, and per checkpointed part (default 250).")
    int partImages;

    @Option(names = "--spark-conf", paramLabel = "KEY=VALUE",
            description = "A Spark setting (repeatable), e.g. spark.executor.memory=4g.")
    Map<String, String> conf = new HashMap<>();

    boolean enabled() {
        return master != null;
    }

    /** Checks the options before anything is read. */
    void check() {
        if (!data.equals("ship") && !data.equals("shared")) {
            throw new BadInputException("option --spark-data: unknown value '" + data + "' (known: ship, shared)");
        }
        if (partImages < 1) {
            throw new BadInputException("option --spark-part-images must be >= 1, got " + partImages);
        }
    }

    /** The Spark context of this run (stop it when done). */
    JavaSparkContext open(String command) {
        return SparkContexts.open(master.isEmpty() ? null : master, "cnv2 " + command, conf);
    }

    /** The session's run on Spark; {@code parts}: the folder of finished parts, or null. */
    /** What Spark runs cannot carry yet, refused before a context starts. */
    static void check(SessionOptions.Session s) {
        if (!s.emulator().feeds().isEmpty()) {
            throw new BadInputException("option --spark: model " + s.modelName() + " has inputs besides the first ("
                    + String.join(", ", s.emulator().feeds().keySet()) + "), and Spark executors do not receive "
                    + "--input-tensor values yet; run it without --spark");
        }
    }

    SparkEmulation emulation(JavaSparkContext sc, SessionOptions.Session s, Path parts) {
        ImageSet images;
        if (data.equals("shared")) {
            if (s.dataset() == null) {
                throw new BadInputException("option --spark-data shared needs --dataset (--input images are shipped)");
            }
            images = SharedImages.of(s.dataset(), s.samples().size());
        } else {
            images = ShippedImages.of(sc, s.datasetName(), s.samples());
        }
        EmulationRecipe recipe = EmulationRecipe.of(s.modelPath(), s.imports(), s.machine(), s.run(), s.calibration(),
                s.energy());
        return new SparkEmulation(sc, s.modelPath(), recipe, images, s.modelName(), s.datasetName(), partImages, parts);
    }
}
