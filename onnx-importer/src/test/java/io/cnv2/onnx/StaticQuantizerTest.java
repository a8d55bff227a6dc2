package io.cnv2.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.cnv2.accuracy.AccuracyRun;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.ir.Tensor;
import io.cnv2.models.ShippedModels;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rules of {@code cnv2 quantize} (docs/FIXED-POINT.md, "Static quantisation") on the shipped
 * Fashion-MNIST CNN: the QDQ form, the integer weights and biases, the folded Relu, and the
 * accuracy ONNX Runtime reaches with the quantised file.
 */
class StaticQuantizerTest {
    static ModelProto cnn;
    static List<Map<String, Tensor>> calibration;

    @BeforeAll
    static void load() {
        cnn = OnnxImporter.parse(ShippedModels.fashionMnistOnnx());
        calibration = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(100).stream()
                .map(s -> Map.of("image", s.input())).toList();
    }

    static StaticQuantizer.Result quantise(QuantSpec spec) {
        return StaticQuantizer.quantize(cnn, "fashion_cnn.onnx", calibration, spec);
    }

    @Test
    void everyConvAndGemmGetsQdqPairsAndOrtFusesThem() throws Exception {
        StaticQuantizer.Result r = quantise(QuantSpec.of(8, false, false));
        assertEquals(List.of("/conv1/Conv", "/conv2/Conv", "/conv3/Conv", "/fc1/Gemm", "/fc2/Gemm"), r.names());
        Map<String, Integer> ops = QuantModels.ops(r.model());
        System.out.println("quantised CNN: " + ops);
        // image, 3 pooled or flattened inputs, 4 folded Relu outputs, logits: one Q/DQ pair each
        assertEquals(9, ops.get("QuantizeLinear"));
        assertEquals(9 + 5 + 5, ops.get("DequantizeLinear"), "activations, weights and biases");
        Map<String, Integer> fused = QuantModels.fused(r.model());
        System.out.println("ONNX Runtime runs: " + fused);
        assertEquals(3, fused.get("QLinearConv"));
        assertFalse(fused.containsKey("Conv") || fused.containsKey("Gemm") || fused.containsKey("MatMul"),
                "no float layer left: " + fused);
        try (OrtModel ort = new OrtModel(r.model(), "quantised", 1)) {
            assertEquals(List.of(1, 10), List.of(ort.run(calibration.get(0)).get("logits").shape().dims()[0],
                    ort.run(calibration.get(0)).get("logits").shape().dims()[1]));
        }
    }

    @Test
    void weightsAreInt8WithZeroPointZeroAndBiasesInt32AtInputTimesWeightScale() {
        StaticQuantizer.Result r = quantise(QuantSpec.of(8, true, false));
        ModelProto m = r.model();
        TensorProto w = QuantModels.initializer(m, "onnx::Conv_34_q");
        assertEquals(Tensors.INT8, w.getDataType());
        assertEquals(List.of(24L, 1L, 3L, 3L), w.getDimsList());
        for (double v : QuantModels.init(m, "onnx::Conv_34_q")) {
            assertTrue(Math.abs(v) <= 63, "8-bit weights in the reduced range [-63, 63]: " + v);
        }
        double[] sw = QuantModels.init(m, "onnx::Conv_34_scale");
        assertEquals(24, sw.length, "per channel: one scale per output channel");
        for (double z : QuantModels.init(m, "onnx::Conv_34_zero_point")) {
            assertEquals(0, z);
        }
        float sx = (float) QuantModels.init(m, "image_scale")[0];
        double[] bs = QuantModels.init(m, "onnx::Conv_35_scale");
        double[] bq = QuantModels.init(m, "onnx::Conv_35_q");
        double[] b = Tensors.read(QuantModels.initializer(cnn, "onnx::Conv_35")).data();
        assertEquals(Tensors.INT32, QuantModels.initializer(m, "onnx::Conv_35_q").getDataType());
        for (int k = 0; k < 24; k++) {
            assertEquals(sx * (float) sw[k], (float) bs[k], "bias scale = sx * sw_k in float32");
            assertEquals(Math.rint(b[k] / (float) bs[k]), bq[k]);
        }
        NodeProto dq = m.getGraph().getNodeList().stream().filter(n -> n.getOutput(0).equals(
                "onnx::Conv_34_dequantized")).findFirst().orElseThrow();
        assertEquals(0, QuantisableLayer.intAttr(dq, "axis", -1), "Conv weights: channels on axis 0");
    }

    @Test
    void reluAfterALayerIsFoldedIntoItsOutputQuantizeLinearWithZeroPointZero() {
        ModelProto m = quantise(QuantSpec.of(8, false, false)).model();
        assertFalse(QuantModels.ops(m).containsKey("Relu"));
        assertEquals(0, QuantModels.init(m, "/Relu_output_0_zero_point")[0]);
        assertEquals(Tensors.UINT8, QuantModels.initializer(m, "/Relu_output_0_zero_point").getDataType());
        NodeProto conv = m.getGraph().getNodeList().stream().filter(n -> n.getName().equals("/conv1/Conv"))
                .findFirst().orElseThrow();
        assertEquals("/Relu_output_0", conv.getOutput(0), "the layer writes the Relu's output");
    }

    @Test
    void symmetricActivationsAreInt8AndKeepTheRelu() throws Exception {
        ModelProto m = quantise(QuantSpec.of(8, false, true)).model();
        assertEquals(4, QuantModels.ops(m).get("Relu"));
        assertEquals(Tensors.INT8, QuantModels.initializer(m, "image_zero_point").getDataType());
        assertEquals(3, QuantModels.fused(m).get("QLinearConv"));
    }

    @Test
    void graphInputsOutputsAndTheirNamesAreKept() {
        ModelProto m = quantise(QuantSpec.of(8, false, false)).model();
        assertEquals(cnn.getGraph().getInputList(), m.getGraph().getInputList());
        assertEquals(cnn.getGraph().getOutputList(), m.getGraph().getOutputList());
        NodeProto last = m.getGraph().getNodeList().stream().filter(n -> n.getOutput(0).equals("logits"))
                .findFirst().orElseThrow();
        assertEquals("DequantizeLinear", last.getOpType(), "the output is dequantised under its own name");
    }

    @Test
    void fourBitWeightsLieInMinusSevenToSevenStoredAsInt8() {
        StaticQuantizer.Result r = quantise(QuantSpec.of(4, false, false));
        for (TensorProto t : r.model().getGraph().getInitializerList()) {
            if (t.getName().endsWith("_q") && t.getDataType() == Tensors.INT8) {
                for (double v : Tensors.read(t).data()) {
                    assertTrue(Math.abs(v) <= 7, t.getName() + ": " + v);
                }
            }
        }
        List<Sample> test = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(0);
        AccuracyRun.TopK q = top1(r.model(), test);
        System.out.printf("4-bit weights, shipped 1,000 images: top-1 %.4f%n", q.top1());
        assertTrue(q.top1() > 0.5, "a 4-bit network still classifies");
    }

    /** 8-bit weights, per tensor and per channel: top-1 within 1 point of float on the full 10,000-image test set. */
    @Test
    void eightBitTop1IsWithinOnePointOfFloatOnTheFullTestSet() {
        boolean have = Files.isDirectory(FashionMnist.DEBIAN_DIR);
        if (System.getenv("CNV2_REQUIRE_MODELS") == null) {
            assumeTrue(have, "Debian's dataset-fashion-mnist is not installed");
        }
        List<Sample> test = FashionMnist.debianTestSet().load(0);
        assertEquals(10_000, test.size());
        double f = top1(cnn, test).top1();
        double t = top1(quantise(QuantSpec.of(8, false, false)).model(), test).top1();
        double c = top1(quantise(QuantSpec.of(8, true, false)).model(), test).top1();
        double s = top1(quantise(QuantSpec.of(8, true, true)).model(), test).top1();
        double four = top1(quantise(QuantSpec.of(4, false, false)).model(), test).top1();
        double fourC = top1(quantise(QuantSpec.of(4, true, false)).model(), test).top1();
        System.out.printf("Fashion-MNIST 10k top-1 (ONNX Runtime): float %.4f, 8-bit per-tensor %.4f, 8-bit "
                + "per-channel %.4f, 8-bit per-channel symmetric %.4f, 4-bit per-tensor %.4f, 4-bit per-channel %.4f%n",
                f, t, c, s, four, fourC);
        assertTrue(Math.abs(f - t) <= 0.01, "per tensor: float " + f + " vs " + t);
        assertTrue(Math.abs(f - c) <= 0.01, "per channel: float " + f + " vs " + c);
    }

    static AccuracyRun.TopK top1(ModelProto m, List<Sample> samples) {
        return OrtAccuracy.measure(m, "model", samples.stream().map(x -> Map.of("image", x.input())).toList(),
                samples.stream().map(Sample::label).toList());
    }

    /** A Gemm (transB = 0) or MatMul over a constant [C, K] weight: per-channel scales on axis 1, fused by ONNX Runtime. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"Gemm", "MatMul"})
    void weightsStoredInputMajorTakeTheirChannelScalesOnAxisOne(String op) throws Exception {
        java.util.Random rnd = new java.util.Random(3);
        int c = 32;
        int k = 16;
        float[] w = new float[c * k];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian() * (1 + i % k); // column scales differ by up to 16x
        }
        float[] b = new float[k];
        for (int i = 0; i < k; i++) {
            b[i] = (float) rnd.nextGaussian();
        }
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName("layer").addInput("X").addInput("W");
        if (op.equals("Gemm")) {
            n.addInput("B");
        }
        ModelProto f = QuantModels.single(n.addOutput("Y").build(), new long[] {1, c},
                QuantModels.floats("W", new long[] {c, k}, w), QuantModels.floats("B", new long[] {k}, b));
        List<Map<String, Tensor>> cal = new java.util.ArrayList<>();
        for (int s = 0; s < 20; s++) {
            float[] x = new float[c];
            for (int i = 0; i < c; i++) {
                x[i] = rnd.nextFloat() * 2 - 1;
            }
            cal.add(Map.of("X", new Tensor(new io.cnv2.ir.Shape(1, c), x)));
        }
        StaticQuantizer.Result r = StaticQuantizer.quantize(f, op, cal, QuantSpec.of(8, true, false));
        assertEquals(k, QuantModels.init(r.model(), "W_scale").length);
        NodeProto dq = r.model().getGraph().getNodeList().stream().filter(x -> x.getOutput(0).equals("W_dequantized"))
                .findFirst().orElseThrow();
        assertEquals(1, QuantisableLayer.intAttr(dq, "axis", -1));
        Map<String, Integer> fused = QuantModels.fused(r.model());
        System.out.println(op + " per channel, as ONNX Runtime runs it: " + fused);
        assertFalse(fused.containsKey(op), "fused into an integer kernel: " + fused);
        try (OrtModel a = new OrtModel(f, op, 1); OrtModel q = new OrtModel(r.model(), op, 1)) {
            double err = TensorCompare.relativeError(q.run(cal.get(0)).get("Y"), a.run(cal.get(0)).get("Y"));
            System.out.printf("%s per channel: relative error vs float %.4f%n", op, err);
            assertTrue(err < 0.05, "near float: " + err);
        }
    }
}
