package io.cnv2.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import io.cnv2.trace.Npy;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A plain traced TorchScript file (no graph card) through DJL as a DJL user holds it: one engine
 * string differs from DJL's PyTorch engine, no option is given, the input shape is taken from the
 * first predict; the 16-bit emulation stays within fixed-point error of libtorch with the same
 * top class, and equals, bit for bit, a load that gives the shape as an option (issue 20).
 */
class PlainTorchScriptEngineTest {
    private static final Path ZOO = Path.of(System.getProperty("cnv2.repo.root", "..")).resolve("models/torchscript");

    private static float[] predict(Path pt, String engine, String inputShape, NDList in) throws Exception {
        Criteria.Builder<NDList, NDList> b = Criteria.builder().setTypes(NDList.class, NDList.class).optModelPath(pt)
                .optEngine(engine).optTranslator(new NoopTranslator());
        if (inputShape != null) {
            b.optOption("inputShape", inputShape);
        }
        try (ZooModel<NDList, NDList> model = b.build().loadModel();
             Predictor<NDList, NDList> p = model.newPredictor();
             NDManager m = NDManager.newBaseManager()) {
            NDList copy = new NDList();
            for (NDArray a : in) {
                copy.add(m.create(a.toFloatArray(), a.getShape()).toType(a.getDataType(), false));
            }
            NDList out = p.predict(copy);
            return out.get(0).toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet18_small", "mobilenet_small", "fashion_cnn_traced", "fashion_lstm_traced",
        "transformer_small", "gru_small", "conv1d_small"})
    void aTracedFileRunsOnTheCnv2EngineWithNoCardAndNoOptions(String name) throws Exception {
        Npy.Array x = Npy.read(ZOO.resolve(name + ".input.npy"));
        try (NDManager m = NDManager.newBaseManager()) {
            long[] shape = java.util.Arrays.stream(x.shape()).asLongStream().toArray();
            NDList in = new NDList(m.create(x.data(), new Shape(shape)));
            Path pt = ZOO.resolve(name + ".pt");
            float[] libtorch = predict(pt, "PyTorch", null, in);
            float[] cnv2 = predict(pt, "CNV2", null, in);
            String spec = "x=" + String.join(",", java.util.Arrays.stream(x.shape()).mapToObj(Integer::toString).toList());
            float[] pinned = predict(pt, "CNV2", spec, in);
            assertArrayEquals(pinned, cnv2, name + ": the shape from the first predict = the shape given as an option");
            assertEquals(libtorch.length, cnv2.length);
            double num = 0;
            double den = 0;
            int best = 0;
            int bestOurs = 0;
            for (int i = 0; i < libtorch.length; i++) {
                num = Math.max(num, Math.abs(cnv2[i] - libtorch[i]));
                den = Math.max(den, Math.abs(libtorch[i]));
                best = libtorch[i] > libtorch[best] ? i : best;
                bestOurs = cnv2[i] > cnv2[bestOurs] ? i : bestOurs;
            }
            System.out.printf("%s through DJL: 16-bit CNV2 vs libtorch, max relative error %.2e, top class %d vs %d%n",
                    name, num / den, bestOurs, best);
            assertTrue(num / den < 0.05, name + ": relative error " + num / den);
            assertEquals(best, bestOurs, name + ": top class");
        }
    }
}
