package io.cnv2.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.exec.FloatExecutor;
import io.cnv2.importer.ImportOptions;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import io.cnv2.models.ShippedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The float reference executor against ONNX Runtime on every intermediate tensor of real
 * networks (issue rule: relative error at most 1e-4 per tensor), on real images.
 */
class OrtAgreementTest {
    static final double TOLERANCE = 1e-4;

    static Path paddleOcrClassifier() {
        Path root = Path.of(System.getProperty("cnv2.repo.root", ".."));
        return root.resolve("models/paddleocr/.cache/ch_ppocr_mobile_v2.0_cls_infer.onnx");
    }

    @Test
    void shippedFashionMnistModelMatchesOnnxRuntimeOnEveryTensor() throws Exception {
        Path model = ShippedModels.fashionMnistOnnx();
        Network net = ModelLoader.load(model);
        List<Sample> images = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(20);
        List<Map<String, Tensor>> inputs = new ArrayList<>();
        for (Sample s : images) {
            inputs.add(Map.of(net.inputs().get(0).name(), s.input()));
        }
        compareEveryTensor(model, net, inputs);
    }

    @Test
    void shippedFashionMnistLstmMatchesOnnxRuntimeOnEveryTensor() throws Exception {
        Path model = ShippedModels.fashionMnistLstmOnnx();
        Network net = ModelLoader.load(model);
        assertEquals(28 + 27, net.acceleratorLayers().size() - 1, "W x_t for 28 rows, R h_(t-1) for 27, the classifier");
        List<Sample> images = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(20);
        List<Map<String, Tensor>> inputs = new ArrayList<>();
        for (Sample s : images) {
            inputs.add(Map.of(net.inputs().get(0).name(), s.input()));
        }
        compareEveryTensor(model, net, inputs);
        // the unrolled steps against ONNX Runtime's own: every h_t against Y[t] (Y is computed by
        // ONNX Runtime though the model reads only Y_h) and the last c_t against Y_c
        FloatExecutor exec = new FloatExecutor(net);
        double worst = 0;
        try (OrtReference ort = new OrtReference(model)) {
            for (Map<String, Tensor> in : inputs.subList(0, 5)) {
                Map<String, Tensor> ref = ort.run(in);
                Map<String, Tensor> ours = exec.runAll(in);
                float[] y = ref.get("/lstm/LSTM_output_0").data();
                assertEquals(28 * 64, y.length);
                for (int t = 0; t < 28; t++) {
                    Tensor expect = new Tensor(Shape.of(1, 64), java.util.Arrays.copyOfRange(y, 64 * t, 64 * t + 64));
                    double err = TensorCompare.relativeError(ours.get("/lstm/LSTM/t" + t + "/h"), expect);
                    assertTrue(err <= TOLERANCE, "h_" + t + ": relative error " + err);
                    worst = Math.max(worst, err);
                }
                double err = TensorCompare.relativeError(ours.get("/lstm/LSTM/t27/c"), ref.get("/lstm/LSTM_output_2"));
                assertTrue(err <= TOLERANCE, "c_28: relative error " + err);
                worst = Math.max(worst, err);
            }
        }
        System.out.printf("fashion_lstm.onnx: h_t of all 28 steps and the last c_t x 5 images agree with ONNX "
                + "Runtime's Y and Y_c, worst relative error %.2e%n", worst);
    }

    @Test
    void paddleOcrDirectionClassifierMatchesOnnxRuntimeOnEveryTensor() throws Exception {
        Path model = paddleOcrClassifier();
        if (System.getenv("CNV2_REQUIRE_MODELS") == null) {
            assumeTrue(Files.exists(model), "run models/paddleocr/fetch.sh first");
        }
        Network net = ModelLoader.load(model, new ImportOptions(Map.of("x", Shape.of(1, 3, 48, 192))));
        assertTrue(net.acceleratorLayers().size() > 20, "a real MobileNetV3: " + net.acceleratorLayers().size());
        assertTrue(net.nodes().stream().noneMatch(n -> n.op().kind().equals("BatchNormalization")),
                "every BatchNormalization follows a conv and is folded");
        // real pictures in the classifier's input format: four Fashion-MNIST images side by side,
        // upscaled to 48 rows, in both orientations, normalised as PaddleOCR does ((x - 0.5) / 0.5)
        List<Sample> images = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(16);
        List<Map<String, Tensor>> inputs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Tensor line = textLine(images.subList(4 * i, 4 * i + 4), i % 2 == 1);
            inputs.add(Map.of("x", line));
        }
        Random r = new Random(1);
        float[] noise = new float[3 * 48 * 192];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = r.nextFloat() * 2 - 1;
        }
        inputs.add(Map.of("x", new Tensor(Shape.of(1, 3, 48, 192), noise)));
        compareEveryTensor(model, net, inputs);
    }

    private static Tensor textLine(List<Sample> four, boolean upsideDown) {
        float[] d = new float[3 * 48 * 192];
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 192; x++) {
                int sy = upsideDown ? 47 - y : y;
                int sx = upsideDown ? 191 - x : x;
                Tensor img = four.get(sx / 48).input();
                float v = img.data()[(sy * 28 / 48) * 28 + (sx % 48) * 28 / 48];
                for (int c = 0; c < 3; c++) {
                    d[(c * 48 + y) * 192 + x] = (v - 0.5f) / 0.5f;
                }
            }
        }
        return new Tensor(Shape.of(1, 3, 48, 192), d);
    }

    static void compareEveryTensor(Path model, Network net, List<Map<String, Tensor>> inputs)
            throws Exception {
        // tensors the file names must exist in both; the importer's own (an unrolled LSTM's gates)
        // exist only here and are checked through the file's tensors computed from them
        Set<String> named = new HashSet<>();
        OnnxImporter.parse(model).getGraph().getNodeList().forEach(n -> named.addAll(n.getOutputList()));
        FloatExecutor exec = new FloatExecutor(net);
        double worst = 0;
        String worstName = "";
        int compared = 0;
        try (OrtReference ort = new OrtReference(model)) {
            for (Map<String, Tensor> in : inputs) {
                Map<String, Tensor> ref = ort.run(in);
                Map<String, Tensor> ours = exec.runAll(in);
                compared = 0;
                for (Node n : net.nodes()) {
                    Tensor expect = ref.get(n.output());
                    if (expect == null && !named.contains(n.output())) {
                        continue;
                    }
                    assertTrue(expect != null, "ONNX Runtime computed tensor " + n.output() + " of node " + n.name());
                    Tensor got = ours.get(n.output());
                    assertEquals(expect.shape().size(), got.shape().size(), n.output());
                    double err = TensorCompare.relativeError(got, expect);
                    assertTrue(err <= TOLERANCE, "tensor " + n.output() + " of node " + n.name() + ": relative error "
                            + err);
                    if (err > worst) {
                        worst = err;
                        worstName = n.output();
                    }
                    compared++;
                }
                assertEquals(net.nodes().stream().filter(n -> named.contains(n.output())).count(), compared);
                for (String o : net.outputs()) {
                    assertTrue(ref.containsKey(o), "graph output " + o + " compared");
                }
            }
        }
        System.out.printf("%s: %d tensors x %d inputs agree with ONNX Runtime (%d more made by the importer), "
                + "worst relative error %.2e (%s)%n", model.getFileName(), compared, inputs.size(),
                net.nodes().size() - compared, worst, worstName);
    }
}
