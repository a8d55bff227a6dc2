package io.cnv2.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.Emulator;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.Accelerators;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.FloatReference;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import io.cnv2.models.ShippedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The float column in batches (issue 23): ONNX Runtime runs several images as one batch only where
 * the file declares the input's first axis and every wanted output's as one named dimension, and
 * each image's outputs are then its own run's, bit for bit; elsewhere images run one by one.
 */
class BatchedFloatTest {
    private static List<Map<String, Tensor>> images(int n) {
        List<Sample> samples = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(n);
        return samples.stream().map(s -> Map.of("image", s.input())).toList();
    }

    private static void sameAsOneByOne(FloatReference ref, List<Map<String, Tensor>> inputs, Set<String> wanted) {
        List<Map<String, Tensor>> batched = ref.runBatch(inputs, wanted);
        assertEquals(inputs.size(), batched.size());
        for (int i = 0; i < inputs.size(); i++) {
            Map<String, Tensor> alone = ref.run(inputs.get(i), wanted);
            assertEquals(alone.keySet(), batched.get(i).keySet(), "image " + i);
            for (String t : wanted) {
                assertArrayEquals(alone.get(t).shape().dims(), batched.get(i).get(t).shape().dims(), t + ", image " + i);
                assertArrayEquals(alone.get(t).data(), batched.get(i).get(t).data(), t + ", image " + i);
            }
        }
    }

    @Test
    void aBatchGivesEachImageItsOwnRunsOutputs() {
        FloatReference ort = ModelLoader.load(ShippedModels.fashionMnistOnnx()).floatReference().orElseThrow();
        // 70 images: two whole batches of 32 and a last one of 6, in order
        sameAsOneByOne(ort, images(70), Set.of("logits"));
    }

    @Test
    void tensorsTheFileDoesNotDeclareBatchedRunOneByOne() {
        FloatReference ort = ModelLoader.load(ShippedModels.fashionMnistOnnx()).floatReference().orElseThrow();
        // an intermediate tensor has no declared shape in the file: no batch axis to split along
        sameAsOneByOne(ort, images(5), Set.of("/conv1/Conv_output_0", "logits"));
    }

    @Test
    void anInputOfFixedBatchRunsOneByOne(@TempDir Path dir) throws Exception {
        ModelProto.Builder m = ModelProto.parseFrom(Files.readAllBytes(ShippedModels.fashionMnistOnnx())).toBuilder();
        m.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder()
                .getDimBuilder(0).clearDimParam().setDimValue(1);
        Path fixed = dir.resolve("fixed-batch.onnx");
        Files.write(fixed, m.build().toByteArray());
        FloatReference ort = ModelLoader.load(fixed).floatReference().orElseThrow();
        sameAsOneByOne(ort, images(5), Set.of("logits"));
    }

    @Test
    void aRunsFloatColumnComesInBatchesAndEqualsTheSingleRuns() {
        Network loaded = ModelLoader.load(ShippedModels.fashionMnistOnnx());
        CountingReference ort = new CountingReference(loaded.floatReference().orElseThrow());
        Network net = loaded.withFloatReference(ort);
        List<Sample> samples = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(300);
        Calibration cal = Calibrator.profile(net, images(16), "first 16");
        RunConfig run = RunConfig.DEFAULT.withArch("cnv").withThreads(2);
        Emulator emu = new Emulator(net, MachineConfig.DEFAULT, run, cal, Accelerators.create(run, MachineConfig.DEFAULT));
        Emulator.Evaluation e = emu.evaluate(samples, "m", "d", null);
        assertTrue(ort.batches.get() >= 300 / 32, "batches of the float reference: " + ort.batches.get());
        for (int i = 0; i < samples.size(); i++) {
            Tensor alone = ort.run(Map.of("image", samples.get(i).input()), Set.of("logits")).get("logits");
            assertArrayEquals(alone.data(), e.predictions().get(i).floatOutput().data(), "image " + i);
        }
    }
}
