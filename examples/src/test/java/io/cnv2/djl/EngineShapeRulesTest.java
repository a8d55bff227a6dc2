package io.cnv2.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.modality.cv.translator.ImageClassificationTranslator;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.models.ShippedModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CNV2 engine takes inputs as DJL's own engines do (issue: the DJL user's path): the model's
 * declared shape, or a leading batch of N samples; anything else is refused before any work,
 * naming the input with the expected and the actual shape; a batch gives the bits of its samples
 * run one by one, and the statistics count samples.
 */
class EngineShapeRulesTest {
    private static final Path MODEL = ShippedModels.fashionMnistDir().resolve("fashion_cnn.onnx");

    private static ZooModel<NDList, NDList> load() throws Exception {
        return Criteria.builder().setTypes(NDList.class, NDList.class).optModelPath(MODEL).optEngine("CNV2")
                .optOption("arch", "cnv2").optTranslator(new NoopTranslator()).build().loadModel();
    }

    private static String refusal(Predictor<NDList, NDList> p, NDArray x) {
        Exception e = assertThrows(Exception.class, () -> p.predict(new NDList(x)));
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append(" | ");
        }
        return all.toString();
    }

    @Test
    void anInputOfAnotherShapeIsRefusedWithTheExpectedAndTheActualShapeBeforeAnyWork() throws Exception {
        try (ZooModel<NDList, NDList> model = load(); Predictor<NDList, NDList> p = model.newPredictor();
             NDManager m = NDManager.newBaseManager("CNV2")) {
            String rgb = refusal(p, m.zeros(new Shape(1, 3, 28, 28)));
            assertTrue(rgb.contains("expected shape (N, 1, 28, 28) for N samples") && rgb.contains("got (1, 3, 28, 28)"),
                    rgb);
            String unbatched = refusal(p, m.zeros(new Shape(1, 28, 28)));
            assertTrue(unbatched.contains("got (1, 28, 28)") && unbatched.contains("rank 3"), unbatched);
            String flat = refusal(p, m.zeros(new Shape(1, 784)));
            assertTrue(flat.contains("got (1, 784)"), flat);
            String two = assertThrows(Exception.class, () -> p.predict(new NDList(m.zeros(new Shape(1, 1, 28, 28)),
                    m.zeros(new Shape(1, 1, 28, 28))))).getCause().getMessage();
            assertTrue(two.contains("takes 1 input(s)") && two.contains("got 2"), two);
            assertNull(Cnv2SymbolBlock.of(model).lastRun(), "nothing was run");
            assertEquals(0, Cnv2SymbolBlock.of(model).total().images());
        }
    }

    @Test
    void aBatchOfEightGivesTheBitsOfEightSinglePredictionsAndCountsEightSamples() throws Exception {
        List<Sample> samples = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(8);
        float[] batch = new float[8 * 784];
        for (int i = 0; i < 8; i++) {
            System.arraycopy(samples.get(i).input().data(), 0, batch, i * 784, 784);
        }
        try (ZooModel<NDList, NDList> model = load(); Predictor<NDList, NDList> p = model.newPredictor();
             NDManager m = NDManager.newBaseManager("CNV2")) {
            Cnv2SymbolBlock block = Cnv2SymbolBlock.of(model);
            NDArray all = p.predict(new NDList(m.create(batch, new Shape(8, 1, 28, 28)))).singletonOrThrow();
            assertEquals(new Shape(8, 10), all.getShape(), "the batch dimension is kept");
            assertEquals(8, block.lastRun().images());
            long batchCycles = block.lastRun().totals().cyclesTotal();
            float[] got = all.toFloatArray();
            long singleCycles = 0;
            for (int i = 0; i < 8; i++) {
                NDArray one = p.predict(new NDList(m.create(samples.get(i).input().data(), new Shape(1, 1, 28, 28))))
                        .singletonOrThrow();
                assertEquals(new Shape(1, 10), one.getShape(), "the model's declared output shape");
                assertArrayEquals(one.toFloatArray(), java.util.Arrays.copyOfRange(got, i * 10, i * 10 + 10),
                        "sample " + i);
                assertEquals(1, block.lastRun().images());
                singleCycles += block.lastRun().totals().cyclesTotal();
            }
            assertEquals(singleCycles, batchCycles, "statistics of a batch = those of its samples");
            assertEquals(16, block.total().images());
        }
    }

    @Test
    void aPredictorWithMetricsGetsTheAcceleratorsFiguresOfEveryPrediction() throws Exception {
        List<Sample> samples = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(3);
        try (ZooModel<NDList, NDList> model = load(); Predictor<NDList, NDList> p = model.newPredictor();
             NDManager m = NDManager.newBaseManager("CNV2")) {
            ai.djl.metric.Metrics metrics = new ai.djl.metric.Metrics();
            p.setMetrics(metrics);
            long cycles = 0;
            for (Sample s : samples) {
                p.predict(new NDList(m.create(s.input().data(), new Shape(1, 1, 28, 28))));
                cycles += Cnv2SymbolBlock.of(model).lastRun().totals().cyclesTotal();
            }
            List<ai.djl.metric.Metric> got = metrics.getMetric("cnv2.cycles");
            assertEquals(3, got.size(), "one per prediction");
            assertEquals(cycles, got.stream().mapToLong(x -> x.getValue().longValue()).sum());
            assertEquals(Cnv2SymbolBlock.of(model).lastRun().totals().speedup(),
                    metrics.getMetric("cnv2.speedup").get(2).getValue().doubleValue());
            double eff = metrics.getMetric("cnv2.effectualFraction").get(0).getValue().doubleValue();
            assertTrue(eff > 0.05 && eff < 0.95, "a fraction: " + eff);
            assertTrue(metrics.hasMetric("Inference"), "DJL's own timings stay");
        }
    }

    @Test
    void anRgbImageThroughTheStandardTranslatorIsRefusedNamingTheShapes() throws Exception {
        Criteria<Image, Classifications> criteria = Criteria.builder().setTypes(Image.class, Classifications.class)
                .optModelPath(MODEL).optEngine("CNV2")
                .optTranslator(ImageClassificationTranslator.builder().addTransform(new ToTensor())
                        .optSynset(java.nio.file.Files.readAllLines(ShippedModels.fashionMnistDir().resolve("labels.txt")))
                        .build()).build();
        try (ZooModel<Image, Classifications> model = criteria.loadModel();
             Predictor<Image, Classifications> p = model.newPredictor()) {
            Image rgb = ImageFactory.getInstance().fromPixels(new int[28 * 28], 28, 28);
            Exception e = assertThrows(Exception.class, () -> p.predict(rgb));
            StringBuilder all = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                all.append(t.getMessage()).append(" | ");
            }
            assertTrue(all.toString().contains("got (1, 3, 28, 28)"), all.toString());
            assertNull(Cnv2SymbolBlock.of(model).lastRun());
        }
    }
}
