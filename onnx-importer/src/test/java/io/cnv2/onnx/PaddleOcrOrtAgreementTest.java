package io.cnv2.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cnv2.importer.ImportOptions;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The float reference against ONNX Runtime on every intermediate tensor of the PP-OCRv4 text
 * detector and recogniser (issue #8: relative error at most 1e-4 per tensor), on text rendered with
 * java.awt and on a page with Fashion-MNIST pictures. Skipped without the fetched models unless
 * CNV2_REQUIRE_MODELS is set.
 */
class PaddleOcrOrtAgreementTest {
    static final String DETECTOR = "ch_PP-OCRv4_det_infer.onnx";
    static final String RECOGNISER = "ch_PP-OCRv4_rec_infer.onnx";

    private static Path require(String file) {
        Path model = PaddleOcrInputs.cache(file);
        if (System.getenv("CNV2_REQUIRE_MODELS") == null) {
            assumeTrue(Files.exists(model), "run models/paddleocr/fetch.sh first");
        }
        return model;
    }

    @Test
    void detectorMatchesOnnxRuntimeOnEveryTensor() throws Exception {
        Path model = require(DETECTOR);
        Network net = ModelLoader.load(model, new ImportOptions(Map.of("x", Shape.of(1, 3, 96, 160))));
        assertTrue(net.nodes().stream().anyMatch(n -> n.op().kind().equals("ConvTranspose")), "has ConvTranspose");
        assertTrue(net.nodes().stream().anyMatch(n -> n.op().kind().equals("Resize")), "has Resize");
        List<Map<String, Tensor>> inputs = List.of(
                Map.of("x", PaddleOcrInputs.detectorInput(PaddleOcrInputs.page("Cnvlutin2 skips zeros", 160, 96, 0))),
                Map.of("x", PaddleOcrInputs.detectorInput(PaddleOcrInputs.text("PaddleOCR 2.7 det", 160, 96, 28, 4,
                        60))));
        OrtAgreementTest.compareEveryTensor(model, net, inputs);
    }

    @Test
    void recogniserMatchesOnnxRuntimeOnEveryTensor() throws Exception {
        Path model = require(RECOGNISER);
        Network net = ModelLoader.load(model, new ImportOptions(Map.of("x", Shape.of(1, 3, 48, 192))));
        assertTrue(net.nodes().stream().anyMatch(n -> n.op().kind().equals("MatMul")), "has attention MatMul");
        List<Map<String, Tensor>> inputs = List.of(
                Map.of("x", PaddleOcrInputs.recogniserInput(PaddleOcrInputs.text("Cnvlutin2", 192, 48, 30, 6, 36))),
                Map.of("x", PaddleOcrInputs.recogniserInput(PaddleOcrInputs.text("sparse DNN 2017", 192, 48, 24, 4,
                        33))));
        OrtAgreementTest.compareEveryTensor(model, net, inputs);
    }
}
