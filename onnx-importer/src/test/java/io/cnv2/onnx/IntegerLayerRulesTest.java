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
 * The integer layers of quantised models (docs/FIXED-POINT.md, "Quantised models") against ONNX
 * Runtime's integer kernels on randomised QLinearConv and QLinearMatMul models: uint8 and int8
 * activations, zero points, per-tensor and per-channel weight scales, groups, strides, pads and
 * dilations. Every design (DaDN, CNV, CNV2), fast and reference, must give ONNX Runtime's integers
 * on every element, and the reference and fast paths the same cycles.
 */
class IntegerLayerRulesTest {
    private static final String[] ARCHS = {"dadn", "cnv", "cnv2"};

    record Case(ModelProto model, Map<String, Tensor> input, int inputType, String describe) {
    }

    static Case randomConv(Random r, int seed) {
        int c = 1 + r.nextInt(12);
        int groups = r.nextInt(4) == 0 ? c : 1;
        int k = groups == c ? c * (1 + r.nextInt(2)) : 1 + r.nextInt(20);
        int ky = 1 + r.nextInt(4);
        int kx = 1 + r.nextInt(4);
        int h = ky + r.nextInt(10);
        int w = kx + r.nextInt(10);
        int stride = 1 + r.nextInt(2);
        int dil = r.nextInt(5) == 0 ? 2 : 1;
        h += (dil - 1) * (ky - 1);
        w += (dil - 1) * (kx - 1);
        int pad = r.nextInt(2);
        // ONNX Runtime's QLinearConv kernels: output type = input type; int8 inputs take int8 weights
        boolean xSigned = r.nextBoolean();
        boolean ySigned = xSigned;
        boolean wSigned = xSigned || r.nextInt(3) != 0;
        boolean perChannel = r.nextBoolean();
        int xType = xSigned ? Tensors.INT8 : Tensors.UINT8;
        int yType = ySigned ? Tensors.INT8 : Tensors.UINT8;
        int wType = wSigned ? Tensors.INT8 : Tensors.UINT8;
        int cg = c / groups;
        int[] wv = new int[k * cg * ky * kx];
        for (int i = 0; i < wv.length; i++) {
            wv[i] = wSigned ? signedWeight(r, !xSigned) : r.nextInt(256);
        }
        int scales = perChannel ? k : 1;
        float[] ws = new float[scales];
        int[] wz = new int[scales];
        for (int i = 0; i < scales; i++) {
            ws[i] = (float) (0.002 + r.nextDouble() * 0.05);
            // ONNX Runtime's QLinearConv takes per-channel weight zero points, all equal (its kernels
            // subtract one); symmetric int8 weights have 0
            wz[i] = wSigned ? 0 : 128;
        }
        int[] bias = new int[k];
        for (int i = 0; i < k; i++) {
            bias[i] = r.nextInt(20001) - 10000;
        }
        float xs = (float) (0.01 + r.nextDouble() * 0.1);
        int xz = xSigned ? r.nextInt(41) - 20 : r.nextInt(256);
        float ys = (float) (0.05 + r.nextDouble() * 0.5);
        int yz = ySigned ? r.nextInt(41) - 20 : r.nextInt(100);
        GraphProto.Builder g = GraphProto.newBuilder().setName("qconv" + seed);
        g.addInput(QuantisedModels.value("x", xType, 1, c, h, w));
        g.addOutput(QuantisedModels.value("y", yType));
        g.addInitializer(QuantisedModels.floats("xs", new long[0], new float[] {xs}));
        g.addInitializer(QuantisedModels.ints("xz", xType, new long[0], new int[] {xz}));
        g.addInitializer(QuantisedModels.ints("w", wType, new long[] {k, cg, ky, kx}, wv));
        g.addInitializer(QuantisedModels.floats("ws", perChannel ? new long[] {k} : new long[0], ws));
        g.addInitializer(QuantisedModels.ints("wz", wType, perChannel ? new long[] {k} : new long[0], wz));
        g.addInitializer(QuantisedModels.floats("ys", new long[0], new float[] {ys}));
        g.addInitializer(QuantisedModels.ints("yz", yType, new long[0], new int[] {yz}));
        g.addInitializer(QuantisedModels.ints("b", Tensors.INT32, new long[] {k}, bias));
        g.addNode(QuantisedModels.node("QLinearConv", "qconv", List.of("x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"),
                "y", QuantisedModels.ints("kernel_shape", ky, kx), QuantisedModels.ints("strides", stride, stride),
                QuantisedModels.ints("pads", pad, pad, pad, pad), QuantisedModels.ints("dilations", dil, dil),
                QuantisedModels.integer("group", groups)));
        float[] x = new float[c * h * w];
        for (int i = 0; i < x.length; i++) {
            // about a third of the activations at the zero point: the real zeros CNV skips
            x[i] = r.nextInt(3) == 0 ? xz : xSigned ? r.nextInt(256) - 128 : r.nextInt(256);
        }
        return new Case(QuantisedModels.model(g.build(), 13, false), Map.of("x", new Tensor(Shape.of(1, c, h, w), x)),
                xType, "conv C=" + c + " K=" + k + " groups=" + groups + " kernel " + ky + "x" + kx + " stride "
                + stride + " dilation " + dil + " pad " + pad + " x " + (xSigned ? "int8" : "uint8") + " w "
                + (wSigned ? "int8" : "uint8") + (perChannel ? " per-channel" : "") + " y " + (ySigned ? "int8" : "uint8"));
    }

    /**
     * An int8 weight. With uint8 activations ONNX Runtime's AVX2 kernel (vpmaddubsw) saturates the sum
     * of two neighbouring products to int16, which 255 x 64 x 2 never reaches: such layers keep their
     * weights in [-64, 64] (docs/FIXED-POINT.md, "Where ONNX Runtime is not ONNX").
     */
    static int signedWeight(Random r, boolean uint8Activations) {
        return uint8Activations ? r.nextInt(129) - 64 : r.nextInt(255) - 127;
    }

    static Case randomMatMul(Random r, int seed) {
        int rows = 1 + r.nextInt(4);
        int c = 1 + r.nextInt(64);
        int k = 1 + r.nextInt(40);
        boolean aSigned = r.nextBoolean();
        int aType = aSigned ? Tensors.INT8 : Tensors.UINT8;
        int[] b = new int[c * k];
        for (int i = 0; i < b.length; i++) {
            b[i] = signedWeight(r, !aSigned);
        }
        float as = (float) (0.01 + r.nextDouble() * 0.1);
        int az = aSigned ? 0 : r.nextInt(256);
        float bs = (float) (0.002 + r.nextDouble() * 0.05);
        float ys = (float) (0.05 + r.nextDouble() * 0.5);
        int yz = aSigned ? r.nextInt(41) - 20 : r.nextInt(256); // the kernels' output type is the input's
        GraphProto.Builder g = GraphProto.newBuilder().setName("qmatmul" + seed);
        g.addInput(QuantisedModels.value("a", aType, rows, c));
        g.addOutput(QuantisedModels.value("y", aType));
        g.addInitializer(QuantisedModels.floats("as", new long[0], new float[] {as}));
        g.addInitializer(QuantisedModels.ints("az", aType, new long[0], new int[] {az}));
        g.addInitializer(QuantisedModels.ints("b", Tensors.INT8, new long[] {c, k}, b));
        g.addInitializer(QuantisedModels.floats("bs", new long[0], new float[] {bs}));
        g.addInitializer(QuantisedModels.ints("bz", Tensors.INT8, new long[0], new int[] {0}));
        g.addInitializer(QuantisedModels.floats("ys", new long[0], new float[] {ys}));
        g.addInitializer(QuantisedModels.ints("yz", aType, new long[0], new int[] {yz}));
        g.addNode(QuantisedModels.node("QLinearMatMul", "qmatmul", List.of("a", "as", "az", "b", "bs", "bz", "ys", "yz"), "y"));
        float[] a = new float[rows * c];
        for (int i = 0; i < a.length; i++) {
            a[i] = r.nextInt(3) == 0 ? az : aSigned ? r.nextInt(256) - 128 : r.nextInt(256);
        }
        return new Case(QuantisedModels.model(g.build(), 13, false), Map.of("a", new Tensor(Shape.of(rows, c), a)), aType,
                "matmul " + rows + "x" + c + " by " + c + "x" + k + (aSigned ? " int8" : " uint8"));
    }

    /** Every design's integers against ONNX Runtime's; reference and fast cycles equal. */
    static void check(Case cs) throws Exception {
        String input = cs.input().keySet().iterator().next();
        Map<String, Tensor> ort = QuantisedModels.ortOptimised(cs.model(), cs.input(), Map.of(input, cs.inputType()));
        Network net = OnnxImporter.translate("test.onnx", cs.model(), ImportOptions.DEFAULT);
        assertTrue(net.acceleratorLayers().stream().allMatch(n -> n.op() instanceof QuantisedLayer), cs.describe());
        assertEquals(1, net.acceleratorLayers().size(), cs.describe());
        Calibration cal = Calibrator.profile(net, List.of(cs.input()), "test");
        float[] expect = ort.get("y").data();
        // the IR's own meaning of the op, literal (QuantisedLayer.apply) and as the float executor runs it
        // (the dense baseline's exact sums): ONNX Runtime's integers too
        io.cnv2.ir.Node layer = net.acceleratorLayers().get(0);
        float[] literal = layer.op().apply(List.of(cs.input().values().iterator().next())).data();
        assertArrayEquals(expect, literal, cs.describe() + ": QuantisedLayer.apply");
        float[] executor = new io.cnv2.exec.FloatExecutor(net).run(cs.input()).get("y").data();
        assertArrayEquals(expect, executor, cs.describe() + ": the float executor");
        for (String arch : ARCHS) {
            List<LayerStats> stats = new ArrayList<>();
            for (String impl : new String[] {"fast", "reference"}) {
                RunConfig run = RunConfig.DEFAULT.withArch(arch).withImplementation(impl);
                FixedExecutor ex = new FixedExecutor(net, cal, Accelerators.create(run, MachineConfig.DEFAULT), 48);
                FixedExecutor.Result res = ex.run(cs.input(), false);
                assertArrayEquals(expect, res.outputs().get("y").data(), cs.describe() + ": " + arch + " " + impl);
                stats.add(res.nodes().get(0).hardware());
            }
            assertEquals(stats.get(1), stats.get(0), cs.describe() + ": " + arch + " reference and fast statistics");
        }
    }

    @Test
    void qlinearConvOutputsEqualOnnxRuntimeIntegersInEveryDesign() throws Exception {
        Random r = new Random(2211);
        for (int i = 0; i < 40; i++) {
            check(randomConv(r, i));
        }
    }

    @Test
    void qlinearMatMulOutputsEqualOnnxRuntimeIntegersInEveryDesign() throws Exception {
        Random r = new Random(2212);
        for (int i = 0; i < 30; i++) {
            check(randomMatMul(r, i));
        }
    }
}
