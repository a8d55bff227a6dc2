package io.cnv2.torchscript;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.FixedExecutor;
import io.cnv2.exec.NodeStats;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.Accelerators;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A traced TorchScript file and PyTorch's ONNX export of the same weights reach the accelerator as
 * the same network: calibrated on the same inputs, the Cnvlutin2 emulation gives the same output
 * bits and the same statistics (cycles, zeros, saturations) layer by layer, under the layer names
 * PyTorch's exporter writes (issue 20).
 */
class SameAsOnnxExportTest {
    private static final MachineConfig M = MachineConfig.DEFAULT;

    @ParameterizedTest
    @ValueSource(strings = {"resnet18_small", "mobilenet_small", "fashion_cnn_traced", "fashion_lstm_traced",
        "transformer_small", "embedding_bag_small", "gru_small", "conv1d_small", "upsample_small", "scripted_static", "scripted_upsample"})
    void theTorchScriptFileAndItsExportGiveTheSameBitsAndStatistics(String name) {
        Zoo.Model m = Zoo.named(name);
        Network pt = ModelLoader.load(m.pt(), m.options());
        Network onnx = ModelLoader.load(m.onnx(), m.options());
        List<Map<String, Tensor>> inputs = inputs(m, 3);
        Calibration calPt = Calibrator.profile(pt, inputs, "test");
        Calibration calOnnx = Calibrator.profile(onnx, inputs, "test");
        RunConfig run = RunConfig.DEFAULT.withArch("cnv2");
        FixedExecutor a = new FixedExecutor(pt, calPt, Accelerators.create(run, M), 48);
        FixedExecutor b = new FixedExecutor(onnx, calOnnx, Accelerators.create(run, M), 48);
        int layers = 0;
        for (Map<String, Tensor> x : inputs) {
            FixedExecutor.Result ra = a.run(x, false);
            FixedExecutor.Result rb = b.run(x, false);
            List<Tensor> oa = new ArrayList<>(ra.outputs().values());
            for (int i = 0; i < pt.outputs().size(); i++) {
                assertEquals(rb.outputs().get(onnx.outputs().get(i)), ra.outputs().get(pt.outputs().get(i)),
                        name + " output " + i);
            }
            Map<String, NodeStats> sb = new java.util.HashMap<>();
            rb.nodes().forEach(n -> sb.put(n.node(), n));
            layers = 0;
            for (NodeStats s : ra.nodes()) {
                if (s.hardware() == null || s.hardware().cycles() == 0) {
                    continue;
                }
                NodeStats o = sb.get(s.node());
                assertTrue(o != null, name + ": the export has no layer named " + s.node() + " (it has " + sb.keySet() + ")");
                assertEquals(o.hardware(), s.hardware(), name + " " + s.node());
                assertEquals(o.saturations(), s.saturations(), name + " " + s.node());
                assertEquals(o.inputZeros(), s.inputZeros(), name + " " + s.node());
                layers++;
            }
            assertTrue(oa.size() >= 1);
        }
        assertTrue(layers > 0, name + ": no accelerator layer compared");
        System.out.printf("%s: %d accelerator layers, same bits and statistics as the ONNX export%n", name, layers);
    }

    /**
     * The shipped Fashion-MNIST CNN is a scripted module (control flow on {@code self.training}, input
     * checks, functional calls): without its graph card it translates too, and gives the shipped ONNX
     * file's bits and statistics.
     */
    @org.junit.jupiter.api.Test
    void theShippedScriptedCnnWithoutItsCardGivesTheShippedOnnxFilesBits(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path shipped = io.cnv2.models.ShippedModels.fashionMnistDir();
        java.nio.file.Path noCard = dir.resolve("fashion_cnn.pt");
        ArchiveCopies.copy(shipped.resolve("fashion_cnn.pt"), noCard,
                (name, data) -> name.endsWith("extra/cnv2.graph.json") ? null : data);
        Network pt = ModelLoader.load(noCard, new io.cnv2.importer.ImportOptions(Map.of("x", io.cnv2.ir.Shape.of(1, 1, 28, 28))));
        Network onnx = ModelLoader.load(shipped.resolve("fashion_cnn.onnx"));
        List<Map<String, Tensor>> xs = new ArrayList<>();
        for (var sample : io.cnv2.data.FashionMnist.testSet(io.cnv2.models.ShippedModels.fashionMnistSampleDir(), "sample").load(8)) {
            xs.add(Map.of("x", sample.input()));
        }
        List<Map<String, Tensor>> ys = xs.stream().map(x -> Map.of("image", x.get("x"))).toList();
        RunConfig run = RunConfig.DEFAULT.withArch("cnv2");
        FixedExecutor a = new FixedExecutor(pt, Calibrator.profile(pt, xs, "test"), Accelerators.create(run, M), 48);
        FixedExecutor b = new FixedExecutor(onnx, Calibrator.profile(onnx, ys, "test"), Accelerators.create(run, M), 48);
        for (int k = 0; k < xs.size(); k++) {
            FixedExecutor.Result ra = a.run(xs.get(k), false);
            FixedExecutor.Result rb = b.run(ys.get(k), false);
            assertEquals(rb.outputs().get(onnx.outputs().get(0)), ra.outputs().get(pt.outputs().get(0)), "image " + k);
            Map<String, NodeStats> sb = new java.util.HashMap<>();
            rb.nodes().forEach(n -> sb.put(n.node(), n));
            for (NodeStats s : ra.nodes()) {
                if (s.hardware() != null && s.hardware().cycles() > 0) {
                    assertEquals(sb.get(s.node()).hardware(), s.hardware(), s.node());
                }
            }
        }
    }

    /** The traced input, then seeded variations of it (integer inputs: other token ids). */
    static List<Map<String, Tensor>> inputs(Zoo.Model m, int n) {
        List<Map<String, Tensor>> out = new ArrayList<>();
        Map<String, Tensor> first = m.input();
        out.add(first);
        Random rnd = new Random(20);
        for (int k = 1; k < n; k++) {
            Map<String, Tensor> x = new java.util.HashMap<>();
            first.forEach((name, t) -> {
                float[] d = t.data().clone();
                boolean ints = name.equals("ids");
                for (int i = 0; i < d.length; i++) {
                    d[i] = ints ? rnd.nextInt(50) : (float) rnd.nextGaussian();
                }
                x.put(name, new Tensor(t.shape(), d));
            });
            out.add(x);
        }
        return out;
    }
}
