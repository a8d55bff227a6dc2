package io.cnv2.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cnv2.config.EnergyTable;
import io.cnv2.config.Json;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.IdxDataset;
import io.cnv2.data.Sample;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.Emulator;
import io.cnv2.fixed.Calibration;
import io.cnv2.importer.ImportOptions;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Pruning;
import io.cnv2.models.ShippedModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The shipped Fashion-MNIST CNN on the first images of the shipped sample, set up the way the
 * command line sets a run up (SessionOptions): what the Spark tests compare against. Public for
 * the benchmarks' {@code SparkBenchmark}.
 */
public final class Fashion {
    public static final String DATASET = "fashion-mnist-sample";
    public final Path model = ShippedModels.fashionMnistOnnx();
    public final IdxDataset data = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), DATASET);
    public final List<Sample> samples;
    public final RunConfig run;
    public final Calibration calibration;
    public final Emulator emulator;
    public final EmulationRecipe recipe;

    /** {@code images} images under arch cnv with one threshold for every layer. */
    public Fashion(int images, double threshold) {
        samples = data.samples(images);
        run = RunConfig.DEFAULT.withArch("cnv").withThresholds(threshold, Map.of());
        Network net = Pruning.magnitude(ModelLoader.load(model, ImportOptions.DEFAULT), run.prune(), false);
        String in = net.inputs().get(0).name();
        calibration = Calibrator.profile(net, samples.subList(0, 50).stream().map(s -> Map.of(in, s.input()))
                .toList(), "profiled on the first 50 images");
        emulator = Emulator.of(net, MachineConfig.DEFAULT, run, calibration, EnergyTable.DEFAULT);
        recipe = EmulationRecipe.of(model, ImportOptions.DEFAULT, MachineConfig.DEFAULT, run, calibration,
                EnergyTable.DEFAULT);
    }

    /** The images as executors read them from the (shared) file system. */
    public SharedImages shared() {
        return SharedImages.idx(DATASET, ShippedModels.fashionMnistSampleDir().resolve("t10k-images-idx3-ubyte.gz"),
                ShippedModels.fashionMnistSampleDir().resolve("t10k-labels-idx1-ubyte.gz"), samples.size());
    }

    /** A result as JSON without its wall time (the only number allowed to differ). */
    static String json(Object result) {
        JsonNode tree = Json.MAPPER.valueToTree(result);
        if (tree instanceof ObjectNode o) {
            o.remove("seconds");
        }
        return tree.toPrettyString();
    }
}
