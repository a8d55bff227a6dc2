package io.cnv2.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import io.cnv2.BadInputException;
import io.cnv2.config.ConfigFiles;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.exec.Emulator;
import io.cnv2.exec.FloatExecutor;
import io.cnv2.exec.NodeStats;
import io.cnv2.hw.Accelerators;
import io.cnv2.hw.LayerStats;
import io.cnv2.importer.GraphCard;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import io.cnv2.models.ShippedModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * TorchScript through the cnv2 graph card: the same network as the ONNX export of the same
 * model, checked against libtorch in float and against the ONNX path on the accelerator.
 */
class TorchScriptModelTest {
    private static final Path DIR = ShippedModels.fashionMnistDir();
    private static final Path PT = DIR.resolve("fashion_cnn.pt");
    private static final Path ONNX = DIR.resolve("fashion_cnn.onnx");

    private static List<Sample> samples(int n) {
        return FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(n);
    }

    private static Emulator emulator(Path model, String calibration) {
        Network net = ModelLoader.load(model);
        RunConfig run = RunConfig.DEFAULT.withArch("cnv");
        return new Emulator(net, MachineConfig.DEFAULT, run, ConfigFiles.loadCalibration(DIR.resolve(calibration)),
                Accelerators.create(run, MachineConfig.DEFAULT));
    }

    @Test
    void floatReferenceOfTheCardMatchesLibtorchOnTheSameFile() throws Exception {
        Network net = ModelLoader.load(PT);
        FloatExecutor reference = new FloatExecutor(net);
        Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class).optModelPath(PT)
                .optEngine("PyTorch").optTranslator(new NoopTranslator()).build();
        try (ZooModel<NDList, NDList> libtorch = criteria.loadModel();
             Predictor<NDList, NDList> p = libtorch.newPredictor();
             NDManager m = NDManager.newBaseManager("PyTorch")) {
            for (Sample s : samples(20)) {
                float[] want = p.predict(new NDList(m.create(s.input().data(), new Shape(1, 1, 28, 28))))
                        .singletonOrThrow().toFloatArray();
                float[] got = reference.run(s.input()).data();
                assertEquals(want.length, got.length);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-4 * Math.max(1, Math.abs(want[i])), "image " + s.index() + " logit " + i);
                }
            }
        }
    }

    @Test
    void onnxAndTorchScriptCopiesGiveTheSameLayerStatisticsAndOutputBits() {
        Emulator onnx = emulator(ONNX, "fashion_cnn.calibration.json");
        Emulator pt = emulator(PT, "fashion_cnn.pt.calibration.json");
        for (Sample s : samples(30)) {
            Emulator.Step a = onnx.step(s.input());
            Emulator.Step b = pt.step(s.input());
            assertArrayEquals(a.fixedOutput().data(), b.fixedOutput().data(), "image " + s.index());
            List<LayerStats> sa = a.nodes().stream().map(NodeStats::hardware).filter(h -> h != null).toList();
            List<LayerStats> sb = b.nodes().stream().map(NodeStats::hardware).filter(h -> h != null).toList();
            assertEquals(5, sa.size());
            assertEquals(sa, sb, "per-layer statistics of image " + s.index());
        }
    }

    @Test
    void theCnv2EngineLoadsTheTorchScriptCopy() throws Exception {
        Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class).optModelPath(PT)
                .optEngine("CNV2").optOption("arch", "cnv").optTranslator(new NoopTranslator()).build();
        Emulator onnx = emulator(ONNX, "fashion_cnn.calibration.json");
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
             Predictor<NDList, NDList> p = model.newPredictor();
             NDManager m = NDManager.newBaseManager("CNV2")) {
            for (Sample s : samples(5)) {
                float[] got = p.predict(new NDList(m.create(s.input().data(), new Shape(1, 1, 28, 28))))
                        .singletonOrThrow().toFloatArray();
                assertArrayEquals(onnx.step(s.input()).fixedOutput().data(), got, "image " + s.index());
            }
            assertEquals(5, Cnv2SymbolBlock.of(model).total().images());
        }
    }

    @Test
    void cardErrorsNameTheFileAndTheNode() {
        Map<String, Tensor> none = Map.of();
        String card = """
                {"format": "cnv2.graph/1", "inputs": [{"name": "x", "shape": [1, 1, 4, 4]}], "outputs": ["c"],
                 "nodes": [{"name": "c", "op": "conv2d", "inputs": ["x"], "weight": "c.weight", "bias": null,
                            "stride": [1, 1], "padding": [0, 0], "dilation": [1, 1], "groups": 1}]}
                """;
        BadInputException e = assertThrows(BadInputException.class, () -> GraphCard.build("m.pt", card, none));
        assertTrue(e.getMessage().contains("m.pt") && e.getMessage().contains("'c'")
                && e.getMessage().contains("c.weight"), e.getMessage());
        String unknown = card.replace("conv2d", "lstm");
        e = assertThrows(BadInputException.class, () -> GraphCard.build("m.pt", unknown, none));
        assertTrue(e.getMessage().contains("'lstm'"), e.getMessage());
        e = assertThrows(BadInputException.class, () -> GraphCard.build("m.pt", "{\"format\": \"x\"}", none));
        assertTrue(e.getMessage().contains("cnv2.graph/1"), e.getMessage());
    }
}
