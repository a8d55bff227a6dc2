package io.cnv2.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.Accelerators;
import io.cnv2.ir.Conv;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A model that declares a batch of N > 1 (found by fuzzing: an ONNX input [9, 2, 22, 6]): the
 * accelerator takes one input map at a time, so each sample of the batch runs on its own, the
 * outputs are stacked and the statistics summed: the bits of N single runs.
 */
class BatchedLayerRulesTest {
    @Test
    void aConvOverABatchGivesTheBitsAndCyclesOfItsSamplesRunOneByOne() {
        Random r = new Random(9);
        float[] w = new float[4 * 2 * 9];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.3f;
        }
        Conv conv = new Conv(1, 1, 1, 2, 1, 1, 1, 1, 1, new Tensor(Shape.of(4, 2, 3, 3), w), null);
        Network batched = Network.builder("b").input("x", Shape.of(3, 2, 9, 7)).node("c", conv, List.of("x"), "y")
                .output("y").build();
        Network single = Network.builder("s").input("x", Shape.of(1, 2, 9, 7)).node("c", conv, List.of("x"), "y")
                .output("y").build();
        float[] x = new float[3 * 2 * 9 * 7];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble() < 0.4 ? 0 : (float) r.nextGaussian();
        }
        Calibration cal = new Calibration("t", Map.of("x", 12, "y", 11));
        for (String arch : List.of("dadn", "cnv", "cnv2")) {
            RunConfig run = RunConfig.DEFAULT.withArch(arch);
            FixedExecutor.Result all = new FixedExecutor(batched, cal, Accelerators.create(run, MachineConfig.DEFAULT), 48)
                    .run(Map.of("x", new Tensor(Shape.of(3, 2, 9, 7), x)), true);
            FixedExecutor one = new FixedExecutor(single, cal, Accelerators.create(run, MachineConfig.DEFAULT), 48);
            long cycles = 0;
            int per = 2 * 9 * 7;
            float[] y = all.outputs().get("y").data();
            for (int b = 0; b < 3; b++) {
                FixedExecutor.Result s = one.run(Map.of("x", new Tensor(Shape.of(1, 2, 9, 7),
                        java.util.Arrays.copyOfRange(x, b * per, (b + 1) * per))), true);
                float[] ys = s.outputs().get("y").data();
                assertArrayEquals(ys, java.util.Arrays.copyOfRange(y, b * ys.length, (b + 1) * ys.length), arch + " " + b);
                cycles += s.nodes().get(0).hardware().cycles();
            }
            assertEquals(Shape.of(3, 4, 10, 7), all.outputs().get("y").shape());
            assertEquals(cycles, all.nodes().get(0).hardware().cycles(), arch);
        }
    }
}
