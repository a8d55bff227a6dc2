package io.cnv2.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.FixedExecutor;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.Accelerators;
import io.cnv2.hw.LayerStats;
import io.cnv2.importer.ImportOptions;
import io.cnv2.ir.Network;
import io.cnv2.ir.QuantisedLayer;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Dynamically quantised networks (ONNX Runtime's quantize_dynamic form: DynamicQuantizeLinear ->
 * ConvInteger / MatMulInteger -> Cast -> Mul by x_scale * w_scale -> Add bias): the integer layers
 * run on the accelerator with each sample's own zero point, and the network's outputs equal ONNX
 * Runtime's on every element in every design; reference and fast agree on the statistics.
 */
class DynamicQuantisationRulesTest {
    static ModelProto randomDynamicNetwork(Random r, boolean uint8Weights, int c, int k) {
        int wType = uint8Weights ? Tensors.UINT8 : Tensors.INT8;
        GraphProto.Builder g = GraphProto.newBuilder().setName("dynamic");
        g.addInput(QuantisedModels.value("x", Tensors.FLOAT, 1, c, 8, 8));
        g.addOutput(QuantisedModels.value("y", Tensors.FLOAT));
        g.addNode(node3("DynamicQuantizeLinear", "dql1", "x", "x_q", "x_s", "x_z"));
        int[] w = new int[k * c * 9];
        for (int i = 0; i < w.length; i++) {
            // uint8 weights span the range (uint8 x uint8 sums exactly); int8 ones stay in [-64, 64]
            // (ONNX Runtime's AVX2 uint8 x int8 kernel saturates pairs of larger products)
            w[i] = uint8Weights ? r.nextInt(256) : r.nextInt(129) - 64;
        }
        g.addInitializer(QuantisedModels.ints("w1", wType, new long[] {k, c, 3, 3}, w));
        g.addInitializer(QuantisedModels.ints("w1_z", wType, new long[0], new int[] {uint8Weights ? 120 + r.nextInt(16) : 0}));
        g.addInitializer(QuantisedModels.floats("w1_s", new long[0], new float[] {0.001f + r.nextFloat() * 0.01f}));
        float[] b = new float[k];
        for (int i = 0; i < k; i++) {
            b[i] = r.nextFloat() - 0.5f;
        }
        g.addInitializer(QuantisedModels.floats("b1", new long[] {1, k, 1, 1}, b));
        g.addNode(QuantisedModels.node("ConvInteger", "conv1", List.of("x_q", "w1", "x_z", "w1_z"), "h_int",
                QuantisedModels.ints("kernel_shape", 3, 3), QuantisedModels.ints("pads", 1, 1, 1, 1)));
        g.addNode(QuantisedModels.node("Cast", "cast1", List.of("h_int"), "h_f", QuantisedModels.integer("to", 1)));
        g.addNode(QuantisedModels.node("Mul", "scale1", List.of("x_s", "w1_s"), "s1"));
        g.addNode(QuantisedModels.node("Mul", "rescale1", List.of("h_f", "s1"), "h_r"));
        g.addNode(QuantisedModels.node("Add", "bias1", List.of("h_r", "b1"), "h_b"));
        g.addNode(QuantisedModels.node("Relu", "relu1", List.of("h_b"), "h"));
        g.addNode(QuantisedModels.node("Flatten", "flat", List.of("h"), "f"));
        g.addNode(node3("DynamicQuantizeLinear", "dql2", "f", "f_q", "f_s", "f_z"));
        int[] w2 = new int[k * 64 * 10];
        for (int i = 0; i < w2.length; i++) {
            w2[i] = uint8Weights ? r.nextInt(256) : r.nextInt(129) - 64;
        }
        g.addInitializer(QuantisedModels.ints("w2", wType, new long[] {k * 64, 10}, w2));
        g.addInitializer(QuantisedModels.ints("w2_z", wType, new long[0], new int[] {uint8Weights ? 128 : 0}));
        g.addInitializer(QuantisedModels.floats("w2_s", new long[0], new float[] {0.001f + r.nextFloat() * 0.01f}));
        g.addNode(QuantisedModels.node("MatMulInteger", "fc", List.of("f_q", "w2", "f_z", "w2_z"), "z_int"));
        g.addNode(QuantisedModels.node("Cast", "cast2", List.of("z_int"), "z_f", QuantisedModels.integer("to", 1)));
        g.addNode(QuantisedModels.node("Mul", "scale2", List.of("f_s", "w2_s"), "s2"));
        g.addNode(QuantisedModels.node("Mul", "rescale2", List.of("z_f", "s2"), "y"));
        return QuantisedModels.model(g.build(), 13, false);
    }

    private static ai.onnx.proto.OnnxMl.NodeProto node3(String op, String name, String in, String o1, String o2, String o3) {
        return ai.onnx.proto.OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addInput(in).addOutput(o1)
                .addOutput(o2).addOutput(o3).build();
    }

    @Test
    void dynamicallyQuantisedNetworksEqualOnnxRuntimeInEveryDesign() throws Exception {
        Random r = new Random(2214);
        for (int i = 0; i < 10; i++) {
            boolean u8 = i % 2 == 0;
            int c = 1 + r.nextInt(3);
            int k = 2 + r.nextInt(8);
            ModelProto m = randomDynamicNetwork(r, u8, c, k);
            String what = "network " + i + (u8 ? " uint8" : " int8") + " weights";
            Network net = OnnxImporter.translate("dynamic.onnx", m, ImportOptions.DEFAULT);
            assertEquals(2, net.acceleratorLayers().size(), what);
            assertTrue(net.acceleratorLayers().stream().allMatch(n -> n.op() instanceof QuantisedLayer q
                    && q.integer().isRaw() && q.dynamicInput()), what + ": ConvInteger and MatMulInteger with each sample's zero point");
            List<Map<String, Tensor>> inputs = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                float[] x = new float[c * 64];
                for (int j = 0; j < x.length; j++) {
                    // a third exact zeros: the value every sample's quantisation maps to its zero point
                    x[j] = r.nextInt(3) == 0 ? 0f : r.nextFloat() * (s + 1) - 0.3f;
                }
                inputs.add(Map.of("x", new Tensor(Shape.of(1, c, 8, 8), x)));
            }
            Calibration cal = Calibrator.profile(net, inputs, "test");
            for (Map<String, Tensor> in : inputs) {
                float[] expect = QuantisedModels.ortOptimised(m, in, Map.of("x", Tensors.FLOAT)).get("y").data();
                assertArrayEquals(expect, new io.cnv2.exec.FloatExecutor(net).run(in).get("y").data(), what + ": apply");
                for (String arch : new String[] {"dadn", "cnv", "cnv2"}) {
                    List<LayerStats> stats = new ArrayList<>();
                    for (String impl : new String[] {"fast", "reference"}) {
                        RunConfig run = RunConfig.DEFAULT.withArch(arch).withImplementation(impl);
                        FixedExecutor ex = new FixedExecutor(net, cal, Accelerators.create(run, MachineConfig.DEFAULT), 48);
                        FixedExecutor.Result res = ex.run(in, false);
                        assertArrayEquals(expect, res.outputs().get("y").data(), what + " on " + arch + " " + impl);
                        res.nodes().stream().filter(s -> s.hardware() != null).forEach(s -> stats.add(s.hardware()));
                    }
                    assertEquals(stats.subList(0, stats.size() / 2), stats.subList(stats.size() / 2, stats.size()),
                            what + ": " + arch + " reference and fast statistics");
                }
            }
        }
    }
}
