package io.cnv2.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.modality.cv.translator.ImageClassificationTranslator;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import io.cnv2.config.ConfigFiles;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.exec.Emulator;
import io.cnv2.exec.LayerTap;
import io.cnv2.exec.SampleTaps;
import io.cnv2.trace.TraceIndex;
import io.cnv2.trace.TraceWriter;
import io.cnv2.hw.Accelerators;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.models.ShippedModels;
import io.cnv2.stats.LayerReport;
import io.cnv2.stats.RunReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The DJL engine "CNV2": the same model and inputs give the core's bits, classes and statistics. */
class Cnv2EngineTest {
    private static final Path DIR = ShippedModels.fashionMnistDir();
    private static final Path MODEL = DIR.resolve("fashion_cnn.onnx");

    private static List<Sample> samples(int n) {
        return FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(n);
    }

    /** The core run of the same model: shipped calibration, Cnvlutin, thresholds 0. */
    private static Emulator core(String arch) {
        Network net = ModelLoader.load(MODEL);
        RunConfig run = RunConfig.DEFAULT.withArch(arch);
        return new Emulator(net, MachineConfig.DEFAULT, run,
                ConfigFiles.loadCalibration(DIR.resolve("fashion_cnn.calibration.json")),
                Accelerators.create(run, MachineConfig.DEFAULT));
    }

    @Test
    void engineIsRegisteredAndDelegatesArithmeticToPyTorch() {
        Engine e = Engine.getEngine("CNV2");
        assertEquals("CNV2", e.getEngineName());
        assertNotNull(e.getAlternativeEngine());
        assertEquals("PyTorch", e.getAlternativeEngine().getEngineName());
        try (NDManager m = e.newBaseManager()) {
            // arithmetic the emulator does not do goes to the alternative engine
            float[] r = m.create(new float[] {1, 2, 3}).mul(2).add(1).toFloatArray();
            assertArrayEquals(new float[] {3, 5, 7}, r);
        }
    }

    @Test
    void engineOutputsAreTheCoreFixedPointOutputsBitForBit() throws Exception {
        Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
                .optModelPath(MODEL).optEngine("CNV2").optOption("arch", "cnv")
                .optTranslator(new NoopTranslator()).build();
        Emulator core = core("cnv");
        List<Sample> samples = samples(8);
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
             Predictor<NDList, NDList> predictor = model.newPredictor();
             NDManager m = NDManager.newBaseManager("CNV2")) {
            for (Sample s : samples) {
                NDList out = predictor.predict(new NDList(m.create(s.input().data(), new Shape(1, 1, 28, 28))));
                Emulator.Step step = core.step(s.input());
                assertArrayEquals(step.fixedOutput().data(), out.singletonOrThrow().toFloatArray(), "image " + s.index());
                assertEquals(new Shape(1, 10), out.singletonOrThrow().getShape());
                RunReport last = Cnv2SymbolBlock.of(model).lastRun();
                var expected = core.newReport();
                expected.add(step.nodes(), step.floatClass(), step.fixedClass(), -1);
                RunReport want = core.report(expected, "x", "y", List.of());
                assertEquals(want.layers(), last.layers(), "per-layer statistics of image " + s.index());
            }
            assertEquals(samples.size(), Cnv2SymbolBlock.of(model).total().images());
        }
    }

    /**
     * A quantised model through the engine (issue 22): a file made by {@code cnv2 quantize} runs its
     * integer layers and hands back ONNX Runtime's outputs bit for bit, its layers reported with their
     * integer types.
     */
    @Test
    void aQuantisedModelThroughTheEngineGivesOnnxRuntimesOutputs(@TempDir Path dir) throws Exception {
        Path q = dir.resolve("fashion_cnn_q8.onnx");
        List<Sample> samples = samples(108);
        List<java.util.Map<String, io.cnv2.ir.Tensor>> calibration = samples.subList(0, 100).stream()
                .map(s -> java.util.Map.of("image", s.input())).toList();
        io.cnv2.onnx.StaticQuantizer.write(io.cnv2.onnx.StaticQuantizer.quantize(io.cnv2.onnx.OnnxImporter.parse(MODEL),
                "fashion_cnn.onnx", calibration, io.cnv2.onnx.QuantSpec.of(8, false, false)), q);
        var reference = ModelLoader.load(q).floatReference().orElseThrow(); // ONNX Runtime on the file
        Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
                .optModelPath(q).optEngine("CNV2").optOption("arch", "cnv2")
                .optTranslator(new NoopTranslator()).build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
             Predictor<NDList, NDList> predictor = model.newPredictor();
             NDManager m = NDManager.newBaseManager("CNV2")) {
            for (Sample s : samples.subList(100, 108)) {
                NDList out = predictor.predict(new NDList(m.create(s.input().data(), new Shape(1, 1, 28, 28))));
                float[] want = reference.run(java.util.Map.of("image", s.input()), java.util.Set.of("logits"))
                        .get("logits").data();
                assertArrayEquals(want, out.singletonOrThrow().toFloatArray(), "image " + s.index());
            }
            long integerLayers = Cnv2SymbolBlock.of(model).lastRun().layers().stream()
                    .filter(l -> "uint8 x int8 -> uint8".equals(l.integers())).count();
            assertEquals(5, integerLayers, "three convs and two fully connected layers with the model's integers");
        }
    }

    @Test
    void imageClassificationThroughAStandardTranslatorGivesTheCoreClasses() throws Exception {
        List<String> labels = Files.readAllLines(DIR.resolve("labels.txt"));
        Criteria<Image, Classifications> criteria = Criteria.builder().setTypes(Image.class, Classifications.class)
                .optModelPath(MODEL).optEngine("CNV2").optOption("arch", "cnv").optOption("timing", "ideal")
                .optTranslator(ImageClassificationTranslator.builder().addTransform(new ToTensor())
                        .optFlag(Image.Flag.GRAYSCALE).optSynset(labels).optApplySoftmax(true).build())
                .build();
        Emulator core = core("cnv");
        List<Sample> samples = samples(20);
        int correct = 0;
        try (ZooModel<Image, Classifications> model = criteria.loadModel();
             Predictor<Image, Classifications> predictor = model.newPredictor()) {
            for (Sample s : samples) {
                Image image = ImageFactory.getInstance().fromPixels(io.cnv2.examples.DjlClassify.argb(s.input().data()),
                        28, 28);
                Classifications c = predictor.predict(image);
                String want = labels.get(core.step(s.input()).fixedClass());
                assertEquals(want, c.best().getClassName(), "image " + s.index());
                correct += c.best().getClassName().equals(labels.get(s.label())) ? 1 : 0;
            }
            RunReport total = Cnv2SymbolBlock.of(model).total();
            assertEquals(samples.size(), total.images());
            assertEquals("ideal", total.run().timing(), "the engine option timing names the profile");
            assertTrue(total.totals().speedup() > 1.2, "Cnvlutin skips the zeros: " + total.totals().speedup());
            for (LayerReport l : total.layers()) {
                if (l.placement().equals("accelerator")) {
                    assertTrue(l.cyclesTotal() > 0 && l.baselineCyclesTotal() > 0, l.name());
                }
            }
        }
        assertTrue(correct >= 16, "the shipped model classifies most of the first 20 test images: " + correct);
    }

    @Test
    void tapsCaptureEveryLayerAndStreamToATraceOnDisk(@TempDir Path tmp) throws Exception {
        Criteria<NDList, NDList> criteria = Criteria.builder().setTypes(NDList.class, NDList.class)
                .optModelPath(MODEL).optEngine("CNV2").optOption("arch", "cnv")
                .optTranslator(new NoopTranslator()).build();
        Emulator core = core("cnv");
        List<Sample> samples = samples(10);
        List<SampleTaps> kept = new java.util.ArrayList<>();
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
             Predictor<NDList, NDList> predictor = model.newPredictor();
             NDManager m = NDManager.newBaseManager("CNV2")) {
            Cnv2SymbolBlock block = Cnv2SymbolBlock.of(model);
            TraceWriter trace = new TraceWriter(tmp, "fashion", block.emulator().fixedExecutor(),
                    block.emulator().run(), 4);
            block.setTaps(t -> {
                trace.add(t);
                if (t.index() < 2) {
                    kept.add(t);
                }
            });
            for (Sample s : samples) {
                predictor.predict(new NDList(m.create(s.input().data(), new Shape(1, 1, 28, 28))));
            }
            block.setTaps(null);
            TraceIndex index = trace.finish();
            assertEquals(10, index.images());
            assertEquals(3, index.batches());
        }
        assertEquals(2, kept.size());
        for (SampleTaps t : kept) {
            Emulator.Step want = core.step(samples.get((int) t.index()).input(), true);
            assertEquals(5, t.layers().size());
            for (int i = 0; i < 5; i++) {
                LayerTap a = want.taps().get(i);
                LayerTap b = t.layers().get(i);
                assertEquals(a.layer(), b.layer());
                assertEquals(a.floatInput(), b.floatInput());
                assertEquals(a.input(), b.input());
                assertEquals(a.output(), b.output());
                assertArrayEquals(a.weights().weights(), b.weights().weights());
                assertEquals(a.input().dequantize().shape(), b.floatInput().shape());
            }
        }
    }

    @Test
    void aModelWithoutCalibrationProfilesItsFirstBatchAndASavedCalibrationGivesTheSameBits(@TempDir Path tmp)
            throws Exception {
        Path bare = tmp.resolve("net.onnx");
        Files.copy(MODEL, bare);
        List<Sample> samples = samples(24);
        float[] first = new float[16 * 784];
        for (int i = 0; i < 16; i++) {
            System.arraycopy(samples.get(i).input().data(), 0, first, i * 784, 784);
        }
        Path saved = tmp.resolve("formats.json");
        List<float[]> outputs = new java.util.ArrayList<>();
        try (ZooModel<NDList, NDList> model = Criteria.builder().setTypes(NDList.class, NDList.class)
                .optModelPath(bare).optEngine("CNV2").optTranslator(new NoopTranslator()).build().loadModel();
             Predictor<NDList, NDList> p = model.newPredictor(); NDManager m = NDManager.newBaseManager("CNV2")) {
            Cnv2SymbolBlock block = Cnv2SymbolBlock.of(model);
            assertEquals(null, block.calibration(), "no formats before the first batch");
            p.predict(new NDList(m.create(first, new Shape(16, 1, 28, 28))));
            assertTrue(block.calibration().source().contains("first batch") && block.calibration().source()
                    .contains("16 sample(s)"), block.calibration().source());
            assertEquals(16, block.lastRun().images());
            block.saveCalibration(saved);
            for (int i = 16; i < 24; i++) {
                outputs.add(p.predict(new NDList(m.create(samples.get(i).input().data(), new Shape(1, 1, 28, 28))))
                        .singletonOrThrow().toFloatArray());
            }
        }
        try (ZooModel<NDList, NDList> model = Criteria.builder().setTypes(NDList.class, NDList.class)
                .optModelPath(bare).optEngine("CNV2").optOption("calibration", saved.toString())
                .optTranslator(new NoopTranslator()).build().loadModel();
             Predictor<NDList, NDList> p = model.newPredictor(); NDManager m = NDManager.newBaseManager("CNV2")) {
            for (int i = 16; i < 24; i++) {
                assertArrayEquals(outputs.get(i - 16), p.predict(new NDList(m.create(samples.get(i).input().data(),
                        new Shape(1, 1, 28, 28)))).singletonOrThrow().toFloatArray(), "sample " + i);
            }
        }
        // a dataset folder profiles at load (the shipped IDX sample, 50 images); profile() does it from Java
        try (ZooModel<NDList, NDList> model = Criteria.builder().setTypes(NDList.class, NDList.class)
                .optModelPath(bare).optEngine("CNV2")
                .optOption("calibrationData", ShippedModels.fashionMnistSampleDir().toString())
                .optOption("calibrationSamples", "50").optTranslator(new NoopTranslator()).build().loadModel();
             NDManager m = NDManager.newBaseManager("CNV2")) {
            Cnv2SymbolBlock block = Cnv2SymbolBlock.of(model);
            assertTrue(block.calibration().source().startsWith("50 input(s) of "), block.calibration().source());
            var again = block.profile(List.of(new NDList(m.create(first, new Shape(16, 1, 28, 28)))), "java");
            assertEquals("java", again.source());
            assertEquals(block.calibration(), again);
        }
    }

    @Test
    void unknownOptionsAreNamedInTheError(@TempDir Path tmp) throws Exception {
        MalformedModelException e = assertThrows(MalformedModelException.class, () -> Criteria.builder()
                .setTypes(NDList.class, NDList.class).optModelPath(MODEL).optEngine("CNV2")
                .optOption("treshold", "0.1").optTranslator(new NoopTranslator()).build().loadModel());
        assertTrue(e.getMessage().contains("'treshold'") && e.getMessage().contains("unknown option"), e.getMessage());
        e = assertThrows(MalformedModelException.class, () -> Criteria.builder()
                .setTypes(NDList.class, NDList.class).optModelPath(MODEL).optEngine("CNV2")
                .optOption("thresholds", tmp.resolve("none.json").toString()).optTranslator(new NoopTranslator())
                .build().loadModel());
        assertTrue(e.getMessage().contains("'thresholds'") && e.getMessage().contains("does not exist"), e.getMessage());
    }
}
