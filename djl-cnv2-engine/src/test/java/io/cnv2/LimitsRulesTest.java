package io.cnv2;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.config.EnergyTable;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.exec.Emulator;
import io.cnv2.exec.MemoryBudget;
import io.cnv2.fixed.Calibration;
import io.cnv2.ir.Activation;
import io.cnv2.ir.Conv;
import io.cnv2.ir.IrException;
import io.cnv2.ir.Network;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/LIMITS.md: every limit refuses with a clear error before allocating. */
class LimitsRulesTest {
    @Test
    void aTensorOfRankAboveEightIsRefused() {
        Network.Builder b = Network.builder("deep").input("x", Shape.of(1, 1, 1, 1, 1, 1, 1, 1, 2));
        b.node("r", Activation.relu(), List.of("x"), "y");
        IrException e = assertThrows(IrException.class, () -> b.output("y").build());
        assertTrue(e.getMessage().contains("rank 9") && e.getMessage().contains("'x'"), e.getMessage());
    }

    @Test
    void aTensorAboveTwoToTheTwentyEightElementsIsRefused() {
        Network.Builder b = Network.builder("wide").input("x", Shape.of(1, 1, 1 << 15, 1 << 14));
        b.node("r", Activation.relu(), List.of("x"), "y");
        IrException e = assertThrows(IrException.class, () -> b.output("y").build());
        assertTrue(e.getMessage().contains("elements"), e.getMessage());
    }

    @Test
    void aRunThatWouldNotFitTheHeapIsRefusedWithTheFiguresAndTheRemedies() {
        // 3 x 4096 x 4096 input, conv to 16 channels (2^28 outputs, the most one tensor may hold): about
        // 4 GB per image in flight, so 4 threads need more than the test heap
        Network.Builder b = Network.builder("big").input("x", Shape.of(1, 3, 4096, 4096));
        b.node("c", new Conv(1, 1, 1, 1, 1, 1, 1, 1, 1, new Tensor(Shape.of(16, 3, 3, 3), new float[16 * 27]), null),
                List.of("x"), "y");
        Network net = b.output("y").build();
        long need = MemoryBudget.perImage(net) * 4;
        assertTrue(need > Limits.heap(), "the case must exceed this heap: " + need);
        BadInputException e = assertThrows(BadInputException.class, () -> Emulator.of(net, MachineConfig.DEFAULT,
                RunConfig.DEFAULT.withThreads(4), new Calibration("none", Map.of()), EnergyTable.DEFAULT));
        assertTrue(e.getMessage().contains("big") && e.getMessage().contains("-Xmx")
                && e.getMessage().contains("--threads 1"), e.getMessage());
    }
}
