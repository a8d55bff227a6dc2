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
import io.cnv2.importer.ImportOptions;
import io.cnv2.ir.Network;
import io.cnv2.ir.QuantisedLayer;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * QDQ models (DequantizeLinear -> Conv/Gemm -> [Relu ->] QuantizeLinear) run with the model's
 * integers, as ONNX Runtime fuses and runs them: randomised two-layer networks with uint8 or int8
 * activations, per-tensor or per-channel weights, a Relu that the output's zero point makes
 * redundant, max pooling between; the emulated network's outputs equal ONNX Runtime's (full graph
 * optimisation) on every element, in every design.
 */
class QdqFusionRulesTest {
    static ModelProto randomQdqNetwork(Random r, boolean signed, boolean perChannel, int c, int k, int classes) {
        return randomQdqNetwork(r, signed, perChannel, c, k, classes, true);
    }

    static ModelProto randomQdqNetwork(Random r, boolean signed, boolean perChannel, int c, int k, int classes,
                                       boolean relu) {
        int type = signed ? Tensors.INT8 : Tensors.UINT8;
        int lo = signed ? -128 : 0;
        GraphProto.Builder g = GraphProto.newBuilder().setName("qdq");
        g.addInput(QuantisedModels.value("x", Tensors.FLOAT, 1, c, 8, 8));
        g.addOutput(QuantisedModels.value("y", Tensors.FLOAT));
        // input quantisation
        float xs = 0.02f + r.nextFloat() * 0.02f;
        scalarQuant(g, "x", xs, signed ? 0 : 128, type);
        g.addNode(QuantisedModels.node("QuantizeLinear", "qx", List.of("x", "x_s", "x_z"), "x_q"));
        g.addNode(QuantisedModels.node("DequantizeLinear", "dqx", List.of("x_q", "x_s", "x_z"), "x_dq"));
        // conv 3x3 pad 1, int8 weights in [-64, 64] (the range ONNX Runtime's AVX2 kernel sums exactly)
        weights(g, r, "w1", new long[] {k, c, 3, 3}, perChannel, xs);
        bias(g, r, "b1", k);
        g.addNode(QuantisedModels.node("DequantizeLinear", "dqw1", List.of("w1_q", "w1_s", "w1_z"), "w1",
                QuantisedModels.integer("axis", 0)));
        g.addNode(QuantisedModels.node("DequantizeLinear", "dqb1", List.of("b1_q", "b1_s"), "b1", QuantisedModels.integer("axis", 0)));
        g.addNode(QuantisedModels.node("Conv", "conv1", List.of("x_dq", "w1", "b1"), "h1",
                QuantisedModels.ints("kernel_shape", 3, 3), QuantisedModels.ints("pads", 1, 1, 1, 1)));
        if (relu) {
            g.addNode(QuantisedModels.node("Relu", "relu1", List.of("h1"), "r1"));
        } else {
            g.addNode(QuantisedModels.node("Identity", "relu1", List.of("h1"), "r1"));
        }
        // the Relu is redundant for the QuantizeLinear whose zero point is the type's minimum
        float rs = 0.05f + r.nextFloat() * 0.05f;
        scalarQuant(g, "r1", rs, lo, type);
        g.addNode(QuantisedModels.node("QuantizeLinear", "qr1", List.of("r1", "r1_s", "r1_z"), "r1_q"));
        g.addNode(QuantisedModels.node("DequantizeLinear", "dqr1", List.of("r1_q", "r1_s", "r1_z"), "r1_dq"));
        g.addNode(QuantisedModels.node("MaxPool", "pool", List.of("r1_dq"), "p1", QuantisedModels.ints("kernel_shape", 2, 2),
                QuantisedModels.ints("strides", 2, 2)));
        g.addNode(QuantisedModels.node("QuantizeLinear", "qp1", List.of("p1", "r1_s", "r1_z"), "p1_q"));
        g.addNode(QuantisedModels.node("DequantizeLinear", "dqp1", List.of("p1_q", "r1_s", "r1_z"), "p1_dq"));
        g.addNode(QuantisedModels.node("Flatten", "flat", List.of("p1_dq"), "f1"));
        g.addNode(QuantisedModels.node("QuantizeLinear", "qf1", List.of("f1", "r1_s", "r1_z"), "f1_q"));
        g.addNode(QuantisedModels.node("DequantizeLinear", "dqf1", List.of("f1_q", "r1_s", "r1_z"), "f1_dq"));
        weights(g, r, "w2", new long[] {classes, k * 16}, perChannel, rs);
        bias(g, r, "b2", classes);
        g.addNode(QuantisedModels.node("DequantizeLinear", "dqw2", List.of("w2_q", "w2_s", "w2_z"), "w2",
                QuantisedModels.integer("axis", 0)));
        g.addNode(QuantisedModels.node("DequantizeLinear", "dqb2", List.of("b2_q", "b2_s"), "b2", QuantisedModels.integer("axis", 0)));
        g.addNode(QuantisedModels.node("Gemm", "fc", List.of("f1_dq", "w2", "b2"), "z", QuantisedModels.integer("transB", 1)));
        scalarQuant(g, "z", 0.1f + r.nextFloat() * 0.1f, signed ? 0 : 128, type);
        g.addNode(QuantisedModels.node("QuantizeLinear", "qz", List.of("z", "z_s", "z_z"), "z_q"));
        g.addNode(QuantisedModels.node("DequantizeLinear", "dqz", List.of("z_q", "z_s", "z_z"), "y"));
        return QuantisedModels.model(g.build(), 13, false);
    }

    private static void scalarQuant(GraphProto.Builder g, String t, float scale, int zp, int type) {
        g.addInitializer(QuantisedModels.floats(t + "_s", new long[0], new float[] {scale}));
        g.addInitializer(QuantisedModels.ints(t + "_z", type, new long[0], new int[] {zp}));
    }

    private static void weights(GraphProto.Builder g, Random r, String name, long[] dims, boolean perChannel, float xs) {
        int n = 1;
        for (long d : dims) {
            n *= (int) d;
        }
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(129) - 64;
        }
        int k = (int) dims[0];
        int scales = perChannel ? k : 1;
        float[] s = new float[scales];
        for (int i = 0; i < scales; i++) {
            s[i] = 0.001f + r.nextFloat() * 0.01f;
        }
        g.addInitializer(QuantisedModels.ints(name + "_q", Tensors.INT8, dims, v));
        g.addInitializer(QuantisedModels.floats(name + "_s", perChannel ? new long[] {k} : new long[0], s));
        g.addInitializer(QuantisedModels.ints(name + "_z", Tensors.INT8, perChannel ? new long[] {k} : new long[0],
                new int[scales]));
        // the bias scale: x_scale * w_scale, as a quantiser writes it
        float[] bs = new float[scales];
        for (int i = 0; i < scales; i++) {
            bs[i] = xs * s[i];
        }
        g.addInitializer(QuantisedModels.floats(name.replace("w", "b") + "_s", perChannel ? new long[] {k} : new long[0], bs));
    }

    private static void bias(GraphProto.Builder g, Random r, String name, int k) {
        int[] v = new int[k];
        for (int i = 0; i < k; i++) {
            v[i] = r.nextInt(4001) - 2000;
        }
        g.addInitializer(QuantisedModels.ints(name + "_q", Tensors.INT32, new long[] {k}, v));
    }

    @Test
    void qdqNetworksRunWithTheirIntegersAsOnnxRuntimeRunsThem() throws Exception {
        Random r = new Random(2213);
        for (int i = 0; i < 12; i++) {
            boolean signed = i % 2 == 1;
            boolean perChannel = i % 4 >= 2;
            int c = 1 + r.nextInt(3);
            int k = 4 + r.nextInt(12);
            ModelProto m = randomQdqNetwork(r, signed, perChannel, c, k, 10);
            String what = "network " + i + (signed ? " int8" : " uint8") + (perChannel ? " per-channel" : "");
            Network net = OnnxImporter.translate("qdq.onnx", m, ImportOptions.DEFAULT);
            assertEquals(2, net.acceleratorLayers().size(), what);
            assertTrue(net.acceleratorLayers().stream().allMatch(n -> n.op() instanceof QuantisedLayer), what
                    + ": the conv and the Gemm run with the model's integers");
            float[] x = new float[c * 64];
            for (int j = 0; j < x.length; j++) {
                x[j] = r.nextFloat() * 2 - 0.5f;
            }
            Map<String, Tensor> in = Map.of("x", new Tensor(Shape.of(1, c, 8, 8), x));
            float[] expect = QuantisedModels.ortOptimised(m, in, Map.of("x", Tensors.FLOAT)).get("y").data();
            Calibration cal = Calibrator.profile(net, List.of(in), "test");
            for (String arch : new String[] {"dadn", "cnv", "cnv2"}) {
                FixedExecutor ex = new FixedExecutor(net, cal, Accelerators.create(RunConfig.DEFAULT.withArch(arch),
                        MachineConfig.DEFAULT), 48);
                assertArrayEquals(expect, ex.run(in, false).outputs().get("y").data(), what + " on " + arch);
            }
        }
    }
}
