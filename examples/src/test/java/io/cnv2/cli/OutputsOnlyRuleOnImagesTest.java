package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.accuracy.AccuracyRun;
import io.cnv2.config.EnergyTable;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.Emulator;
import io.cnv2.fixed.Calibration;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import io.cnv2.models.ShippedModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CNV2-MODEL.md section 2, rule 7, on real images: the outputs-only path of an accuracy run
 * ({@code Emulator.predict}, {@code AccuracyRun.measure} without statistics) gives the full run's
 * outputs bit for bit, hence the same top-1 and top-5 on every path, for the shipped Fashion-MNIST
 * CNN under every design and for its 8-bit quantised copy (the model's integers).
 */
class OutputsOnlyRuleOnImagesTest {
    private static final MachineConfig M = MachineConfig.DEFAULT;
    private static final int IMAGES = 300;

    /** Every design: dadn first, then skipping runs with global, per-layer and dense-listed layers. */
    private static List<RunConfig> runs(Network net) {
        List<String> layers = net.acceleratorLayers().stream().map(n -> n.name()).toList();
        return List.of(
                RunConfig.DEFAULT.withArch("dadn"),
                RunConfig.DEFAULT.withArch("cnv").withThresholds(0.1, null),
                RunConfig.DEFAULT.withArch("cnv2").withThresholds(0.2, null),
                RunConfig.DEFAULT.withArch("cnv2").withTiming("ideal").withCnv2("zfnaf", "output", "lookahead")
                        .withThresholds(0.15, null),
                RunConfig.DEFAULT.withArch("cnv").withThresholds(0.05, Map.of(layers.get(1), 0.4))
                        .withDenseLayers(List.of(layers.get(3))));
    }

    private static List<Sample> images() {
        return FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(IMAGES);
    }

    private static Calibration calibrate(Network net, List<Sample> images) {
        String in = net.inputs().get(0).name();
        return Calibrator.profile(net, images.subList(0, 100).stream().map(s -> Map.of(in, s.input())).toList(),
                "first 100 sample images");
    }

    /** Every run's outputs and accuracies with and without statistics; how many images the thresholds changed. */
    private static int assertSameWithAndWithoutStatistics(Network net, List<Sample> images) {
        Calibration cal = calibrate(net, images);
        List<Tensor> dense = null;
        int changed = 0;
        for (RunConfig run : runs(net)) {
            Emulator emu = Emulator.of(net, M, run.withThreads(2), cal, EnergyTable.DEFAULT);
            String what = run.arch() + " " + run.weightSkip() + " " + run.threshold() + " " + run.thresholds();
            assertTrue(emu.fixedExecutor().outputsOnly(), what + " has an outputs-only path");
            List<Emulator.Prediction> full = emu.evaluate(images, "m", "d", null).predictions();
            List<Emulator.Prediction> only = emu.predict(images, null, null);
            List<Tensor> fixed = emu.fixedOutputs(images, null);
            for (int i = 0; i < images.size(); i++) {
                float[] want = full.get(i).fixedOutput().data();
                assertArrayEquals(want, only.get(i).fixedOutput().data(), what + ", image " + i);
                assertArrayEquals(want, fixed.get(i).data(), what + ", image " + i + " (fixedOutputs)");
                assertEquals(full.get(i).floatClass(), only.get(i).floatClass(), what + ", image " + i);
            }
            if (dense == null) {
                dense = full.stream().map(Emulator.Prediction::fixedOutput).toList(); // the runs start with dadn
            } else {
                for (int i = 0; i < images.size(); i++) {
                    changed += java.util.Arrays.equals(dense.get(i).data(), full.get(i).fixedOutput().data()) ? 0 : 1;
                }
            }
            AccuracyRun.Result a = AccuracyRun.measure(emu, images, "m", "d", null, true);
            AccuracyRun.Result b = AccuracyRun.measure(emu, images, "m", "d", null, false);
            assertEquals(a.floatReference(), b.floatReference(), what);
            assertEquals(a.denseFixed(), b.denseFixed(), what);
            assertEquals(a.accelerator(), b.accelerator(), what);
            assertNull(b.report(), "no statistics, no report");
        }
        return changed;
    }

    @Test
    void theShippedCnnsOutputsAndAccuracyAreTheSameWithoutStatistics() {
        Network net = ModelLoader.load(ShippedModels.fashionMnistOnnx());
        int changed = assertSameWithAndWithoutStatistics(net, images());
        // the thresholds change outputs, so a path that ignored them would have failed above
        assertTrue(changed > 100, "outputs the thresholds changed: " + changed);
    }

    @Test
    void aQuantisedModelsIntegersAndAccuracyAreTheSameWithoutStatistics(@TempDir Path dir) {
        List<Sample> images = images();
        Path q = dir.resolve("fashion_cnn_q8.onnx");
        io.cnv2.onnx.StaticQuantizer.write(io.cnv2.onnx.StaticQuantizer.quantize(
                io.cnv2.onnx.OnnxImporter.parse(ShippedModels.fashionMnistOnnx()), "fashion_cnn.onnx",
                images.subList(0, 100).stream().map(s -> Map.of("image", s.input())).toList(),
                io.cnv2.onnx.QuantSpec.of(8, false, false)), q);
        Network net = ModelLoader.load(q);
        assertTrue(net.nodes().stream().anyMatch(n -> n.op() instanceof io.cnv2.ir.QuantisedLayer));
        int changed = assertSameWithAndWithoutStatistics(net, images);
        assertTrue(changed > 50, "outputs the thresholds changed: " + changed);
    }
}
