package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cnv2.config.Json;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.Emulator;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.Accelerators;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.models.ShippedModels;
import io.cnv2.stats.RunReport;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The foundation's accuracy rule on the full 10,000-image Fashion-MNIST test set: the emulated
 * 16-bit network's top-1 is within 0.5 points of the float reference's, and the float reference's
 * top-1 equals the one PyTorch measured when it trained the model (metrics.json).
 */
class FashionMnistAccuracyTest {

    @Test
    void sixteenBitTop1IsWithinHalfAPointOfFloatOnTheFullTestSet() throws Exception {
        boolean have = Files.isDirectory(FashionMnist.DEBIAN_DIR);
        if (System.getenv("CNV2_REQUIRE_MODELS") == null) {
            assumeTrue(have, "Debian's dataset-fashion-mnist is not installed");
        }
        Network net = ModelLoader.load(ShippedModels.fashionMnistOnnx());
        List<Sample> test = FashionMnist.debianTestSet().load(0);
        assertEquals(10_000, test.size());
        String in = net.inputs().get(0).name();
        Calibration cal = Calibrator.profile(net,
                test.subList(0, 100).stream().map(s -> Map.of(in, s.input())).toList(), "first 100 test images");
        RunConfig run = RunConfig.DEFAULT;
        Emulator emu = new Emulator(net, MachineConfig.DEFAULT, run, cal, Accelerators.create(run, MachineConfig.DEFAULT));
        RunReport r = emu.evaluate(test, "fashion_cnn.onnx", "fashion-mnist-test", null).report();
        double f = r.accuracy().floatTop1();
        double q = r.accuracy().fixedTop1();
        System.out.printf("Fashion-MNIST 10k: float top-1 %.4f, 16-bit fixed point top-1 %.4f%n", f, q);
        assertTrue(Math.abs(f - q) <= 0.005, "float " + f + " vs fixed " + q);

        JsonNode metrics = Json.MAPPER.readTree(ShippedModels.fashionMnistDir().resolve("metrics.json").toFile());
        double torch = metrics.get("test_top1").asDouble();
        // the same 10,000 images through libtorch at training time and through our float reference
        assertEquals(torch, f, 0.0005, "float reference top-1 vs PyTorch's measured top-1");
    }
}
