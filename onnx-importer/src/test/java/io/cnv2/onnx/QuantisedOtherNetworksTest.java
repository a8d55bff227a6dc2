package io.cnv2.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.cnv2.accuracy.AccuracyRun;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import io.cnv2.models.ShippedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code cnv2 quantize} leaves every op but Conv, Gemm and MatMul float (docs/FIXED-POINT.md):
 * the shipped LSTM, its LSTM kept float ({@code --keep-recurrent}; unrolled and quantised by
 * default, QuantisedRecurrentTest), gets its final Gemm quantised; third-party networks of the
 * test zoo (channel-last tf2onnx exports, opset 12 and 13) quantise, ONNX Runtime runs them, and
 * their outputs stay near the float model's (the relative errors measured are printed; the bound
 * asserted is loose, a guard against a broken rewrite, not a claim of accuracy).
 */
class QuantisedOtherNetworksTest {

    @Test
    void lstmKeptFloatByKeepRecurrentGetsItsFinalGemmQuantised() throws Exception {
        ModelProto lstm = OnnxImporter.parse(ShippedModels.fashionMnistLstmOnnx());
        List<Sample> images = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(0);
        List<Map<String, Tensor>> in = images.stream().map(s -> Map.of("image", s.input())).toList();
        StaticQuantizer.Result r = StaticQuantizer.quantize(lstm, "fashion_lstm.onnx", in.subList(0, 100),
                QuantSpec.of(8, false, false).withUnrollRecurrent(false));
        assertEquals(List.of("/fc/Gemm"), r.names());
        Map<String, Integer> fused = QuantModels.fused(r.model());
        System.out.println("quantised LSTM, as ONNX Runtime runs it: " + fused);
        assertEquals(1, fused.get("LSTM"), "the LSTM stays float");
        assertEquals(1, fused.get("QGemm"));
        List<Integer> labels = images.stream().map(Sample::label).toList();
        AccuracyRun.TopK f = OrtAccuracy.measure(lstm, "float", in, labels);
        AccuracyRun.TopK q = OrtAccuracy.measure(r.model(), "quantised", in, labels);
        System.out.printf("LSTM, 1,000 shipped images: float top-1 %.4f, quantised %.4f%n", f.top1(), q.top1());
        assertTrue(Math.abs(f.top1() - q.top1()) <= 0.01, f.top1() + " vs " + q.top1());
    }

    static Stream<String> zoo() {
        return Stream.of("blazeface_front_128", "oww_embedding", "mlsd_tiny_320");
    }

    /** Seeded uniform [0, 1) inputs of the shapes zoo.tsv suggests. */
    static Map<String, Tensor> inputs(ZooModelsTest.Entry e, Random r) {
        Map<String, Tensor> in = new HashMap<>();
        e.shapes().forEach((name, dims) -> {
            Shape s = new Shape(Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray());
            float[] v = new float[s.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = r.nextFloat();
            }
            in.put(name, new Tensor(s, v));
        });
        return in;
    }

    @ParameterizedTest
    @MethodSource("zoo")
    void thirdPartyNetworkQuantisesAndStaysNearFloat(String name) throws Exception {
        Path file = ZooModelsTest.ZOO.resolve(".cache/" + name + ".onnx");
        if (System.getenv("CNV2_REQUIRE_MODELS") == null) {
            assumeTrue(Files.isRegularFile(file), "run models/zoo/fetch.sh first");
        }
        ZooModelsTest.Entry e = ZooModelsTest.models().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        Random rnd = new Random(11);
        List<Map<String, Tensor>> cal = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            cal.add(inputs(e, rnd));
        }
        Map<String, Tensor> probe = inputs(e, rnd);
        ModelProto model = OnnxImporter.parse(file);
        for (boolean perChannel : new boolean[] {false, true}) {
            if (perChannel && name.equals("mlsd_tiny_320")) {
                // per-channel scales need opset 13, where Split's 'split' attribute became an input: refused in one line
                io.cnv2.BadInputException refused = org.junit.jupiter.api.Assertions.assertThrows(
                        io.cnv2.BadInputException.class, () -> StaticQuantizer.quantize(model, name, cal,
                                QuantSpec.of(8, true, false)));
                System.out.println("zoo " + name + ", 8-bit per-channel: " + refused.getMessage());
                assertTrue(refused.getMessage().contains("opset 13") && !refused.getMessage().contains("\n"));
                continue;
            }
            StaticQuantizer.Result r = StaticQuantizer.quantize(model, name, cal, QuantSpec.of(8, perChannel, false));
            Map<String, Integer> fused = QuantModels.fused(r.model());
            Map<String, Tensor> f;
            Map<String, Tensor> q;
            Map<String, Tensor> u;
            try (OrtModel a = new OrtModel(model, name, 1); OrtModel b = new OrtModel(r.model(), name + " quantised", 1);
                 OrtModel c = new OrtModel(r.model(), name + " quantised", 1, true)) {
                f = a.run(probe);
                q = b.run(probe);
                u = c.run(probe);
            }
            double worst = 0;
            double unfused = 0;
            StringBuilder each = new StringBuilder();
            for (String o : f.keySet()) {
                double err = TensorCompare.relativeError(q.get(o), f.get(o));
                unfused = Math.max(unfused, TensorCompare.relativeError(q.get(o), u.get(o)));
                if (!o.equals("scores")) { // mlsd's peak filter (MaxPool, Equal): a flipped tie is a whole pixel
                    worst = Math.max(worst, err);
                }
                each.append(String.format(java.util.Locale.ROOT, " %s %.3f (QDQ unfused %.3f)", o, err,
                        TensorCompare.relativeError(u.get(o), f.get(o))));
            }
            System.out.printf("zoo %s, 8-bit %s: %d layers quantised (opset %d), ONNX Runtime fuses %d QLinearConv; "
                    + "outputs vs float:%s; fused vs unfused QDQ %.3f%n", name, perChannel ? "per-channel" : "per-tensor",
                    r.layers().size(), r.opset(), fused.getOrDefault("QLinearConv", 0), each, unfused);
            assertEquals(r.layers().size(), fused.getOrDefault("QLinearConv", 0) + fused.getOrDefault("QGemm", 0)
                    + fused.getOrDefault("QLinearMatMul", 0), "every quantised layer runs on an integer kernel");
            // measured (seeded random inputs, 8 calibration samples): at most 0.70 per tensor, 0.37 per channel
            assertTrue(worst < 1.5, "outputs near the float model's: " + worst);
        }
    }
}
