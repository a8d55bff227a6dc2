package io.cnv2.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.config.EnergyTable;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.fixed.Calibration;
import io.cnv2.ir.Activation;
import io.cnv2.ir.Conv;
import io.cnv2.ir.Eltwise;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * CNV2-MODEL.md section 5, item 3: detected at fetch, a tensor read by two layers is skipped
 * with each consumer's own threshold; detected at the producer's output it is encoded once, so
 * both consumers see the same (the smaller) threshold.
 */
class DetectionPointRulesTest {

    /** x -> stem conv -> relu -> r; r feeds conv "a" and conv "b"; a + b is the output (a residual fork). */
    private static Network fork() {
        Random rnd = new Random(3);
        Network.Builder b = Network.builder("fork").input("x", Shape.of(1, 8, 6, 6));
        b.node("stem", conv(rnd, 8), List.of("x"), "s");
        b.node("relu", Activation.relu(), List.of("s"), "r");
        b.node("a", conv(rnd, 8), List.of("r"), "ya");
        b.node("b", conv(rnd, 8), List.of("r"), "yb");
        b.node("sum", new Eltwise(Eltwise.Kind.ADD), List.of("ya", "yb"), "y");
        return b.output("y").build();
    }

    private static Conv conv(Random rnd, int c) {
        float[] w = new float[c * c * 9];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian() * 0.2f;
        }
        return new Conv(1, 1, 1, 1, 1, 1, 1, 1, 1, new Tensor(Shape.of(c, c, 3, 3), w), null);
    }

    private static Map<String, Long> thresholded(RunConfig run) {
        Network net = fork();
        Random rnd = new Random(5);
        float[] x = new float[8 * 36];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        Tensor in = new Tensor(Shape.of(1, 8, 6, 6), x);
        Calibration cal = Calibrator.profile(net, List.of(Map.of("x", in)), "test");
        Emulator emu = Emulator.of(net, MachineConfig.DEFAULT, run, cal, EnergyTable.DEFAULT);
        Map<String, Long> cut = new java.util.HashMap<>();
        for (NodeStats n : emu.step(in).nodes()) {
            if (n.hardware() != null) {
                cut.put(n.node(), n.hardware().thresholdedInputs());
            }
        }
        return cut;
    }

    @Test
    void atFetchEachConsumerSkipsWithItsOwnThreshold() {
        RunConfig run = RunConfig.DEFAULT.withArch("cnv2").withCnv2("raw", "fetch", "none")
                .withThresholds(0, Map.of("a", 0.3));
        Map<String, Long> cut = thresholded(run);
        assertTrue(cut.get("a") > 0, "a cuts small activations: " + cut);
        assertEquals(0L, cut.get("b"), "b keeps them: " + cut);
    }

    @Test
    void atOutputTheTensorIsEncodedOnceWithTheSmallestThresholdOfItsConsumers() {
        RunConfig run = RunConfig.DEFAULT.withArch("cnv2").withCnv2("zfnaf", "output", "none")
                .withThresholds(0, Map.of("a", 0.3));
        Map<String, Long> cut = thresholded(run);
        assertEquals(0L, cut.get("a"), "a gets b's threshold, 0: " + cut);
        assertEquals(0L, cut.get("b"));
        RunConfig both = run.withThresholds(0, Map.of("a", 0.3, "b", 0.2));
        Map<String, Long> cutBoth = thresholded(both);
        assertEquals(cutBoth.get("a"), cutBoth.get("b"), "one encoding, one threshold (0.2): " + cutBoth);
        assertTrue(cutBoth.get("b") > 0);
        // Cnvlutin detects at the producer's output too
        assertEquals(0L, thresholded(run.withArch("cnv")).get("a"));
    }
}
