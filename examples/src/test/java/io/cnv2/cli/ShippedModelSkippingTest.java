package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.FixedExecutor;
import io.cnv2.exec.NodeStats;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.Accelerators;
import io.cnv2.importer.ImportOptions;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import io.cnv2.models.ShippedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The central invariant on a real network (CNV2-MODEL.md section 2 rule 7): with every
 * threshold 0, Cnvlutin's outputs equal DaDianNao's bit for bit, on every tensor of the shipped
 * model, for the fast and the reference paths; with a threshold, skipping saves cycles.
 */
class ShippedModelSkippingTest {
    private static final MachineConfig M = MachineConfig.DEFAULT;

    @Test
    void cnvAtThresholdZeroEqualsDadianNaoOnEveryTensorOfTheShippedModel() {
        Network net = ModelLoader.load(ShippedModels.fashionMnistOnnx());
        List<Sample> images = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(60);
        String in = net.inputs().get(0).name();
        Calibration cal = Calibrator.profile(net, images.stream().map(s -> Map.of(in, s.input())).toList(), "test");
        // cycles under the ideal profile (section 4: the upper bound, where skipping zeros always pays);
        // outputs under both profiles, the isca2016 one through its cycle-by-cycle reference as well
        RunConfig dadn = RunConfig.DEFAULT.withTiming("ideal");
        RunConfig cnv = dadn.withArch("cnv");
        FixedExecutor dense = new FixedExecutor(net, cal, Accelerators.create(dadn, M), 48);
        FixedExecutor fast = new FixedExecutor(net, cal, Accelerators.create(cnv, M), 48);
        FixedExecutor reference = new FixedExecutor(net, cal,
                Accelerators.create(cnv.withImplementation("reference"), M), 48);
        FixedExecutor isca = new FixedExecutor(net, cal, Accelerators.create(RunConfig.DEFAULT.withArch("cnv"), M), 48);
        FixedExecutor iscaReference = new FixedExecutor(net, cal,
                Accelerators.create(RunConfig.DEFAULT.withArch("cnv").withImplementation("reference"), M), 48);
        FixedExecutor skipping = new FixedExecutor(net, cal, Accelerators.create(cnv.withThresholds(0.25, null), M), 48);
        long dadnCycles = 0;
        long cnvCycles = 0;
        long thresholdCycles = 0;
        for (int i = 0; i < images.size(); i++) {
            Map<String, Tensor> x = Map.of(in, images.get(i).input());
            FixedExecutor.Result d = dense.run(x, true);
            FixedExecutor.Result c = fast.run(x, true);
            assertEquals(d.tensors(), c.tensors(), "image " + i);
            assertEquals(d.tensors(), isca.run(x, true).tensors(), "isca2016, image " + i);
            if (i < 3) {
                assertEquals(d.tensors(), reference.run(x, true).tensors(), "reference path, image " + i);
                assertEquals(d.tensors(), iscaReference.run(x, true).tensors(), "isca2016 reference, image " + i);
            }
            dadnCycles += cycles(d.nodes());
            cnvCycles += cycles(c.nodes());
            thresholdCycles += cycles(skipping.run(x, false).nodes());
        }
        assertTrue(cnvCycles < dadnCycles, "zero skipping saves cycles: " + cnvCycles + " vs " + dadnCycles);
        assertTrue(thresholdCycles < cnvCycles, "a threshold saves more: " + thresholdCycles + " vs " + cnvCycles);
    }

    @Test
    void cnvAtThresholdZeroEqualsDadianNaoOnEveryTensorOfThePaddleOcrClassifier() {
        Path model = Path.of(System.getProperty("cnv2.repo.root", ".."))
                .resolve("models/paddleocr/.cache/ch_ppocr_mobile_v2.0_cls_infer.onnx");
        if (System.getenv("CNV2_REQUIRE_MODELS") == null) {
            Assumptions.assumeTrue(Files.exists(model), "run models/paddleocr/fetch.sh first");
        }
        Network net = ModelLoader.load(model, new ImportOptions(Map.of("x", Shape.of(1, 3, 48, 192))));
        Random r = new Random(7);
        List<Map<String, Tensor>> inputs = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            float[] x = new float[3 * 48 * 192];
            for (int j = 0; j < x.length; j++) {
                x[j] = r.nextFloat() < 0.3 ? 0 : r.nextFloat() * 2 - 1;
            }
            inputs.add(Map.of("x", new Tensor(Shape.of(1, 3, 48, 192), x)));
        }
        Calibration cal = Calibrator.profile(net, inputs, "test");
        RunConfig ideal = RunConfig.DEFAULT.withTiming("ideal");
        FixedExecutor dense = new FixedExecutor(net, cal, Accelerators.create(ideal, M), 48);
        FixedExecutor fast = new FixedExecutor(net, cal, Accelerators.create(ideal.withArch("cnv"), M), 48);
        FixedExecutor isca = new FixedExecutor(net, cal, Accelerators.create(RunConfig.DEFAULT.withArch("cnv"), M), 48);
        long dadnCycles = 0;
        long cnvCycles = 0;
        for (Map<String, Tensor> x : inputs) {
            FixedExecutor.Result d = dense.run(x, true);
            FixedExecutor.Result c = fast.run(x, true);
            assertEquals(d.tensors(), c.tensors());
            assertEquals(d.tensors(), isca.run(x, true).tensors(), "isca2016");
            dadnCycles += cycles(d.nodes());
            cnvCycles += cycles(c.nodes());
        }
        assertTrue(cnvCycles < dadnCycles, "zero skipping saves cycles: " + cnvCycles + " vs " + dadnCycles);
    }

    private static long cycles(List<NodeStats> nodes) {
        return nodes.stream().filter(n -> n.hardware() != null).mapToLong(n -> n.hardware().cycles()).sum();
    }
}
