package io.cnv2.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.cnv2.config.EnergyTable;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.data.FashionMnist;
import io.cnv2.data.Sample;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.Emulator;
import io.cnv2.fixed.Calibration;
import io.cnv2.importer.ModelLoader;
import io.cnv2.ir.Network;
import io.cnv2.ir.Node;
import io.cnv2.ir.Tensor;
import io.cnv2.models.ShippedModels;
import io.cnv2.stats.RunReport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code Emulator.with} on the same formats (accuracy's dense column, a sweep's next point) keeps
 * the quantised layers it has rather than quantising the network again, and its outputs and
 * statistics are those of an emulator built afresh for the other run, bit for bit and cycle for
 * cycle.
 */
class AnotherDesignOnTheSameQuantisationTest {
    @Test
    void anotherDesignSharesTheQuantisedLayersAndRunsAsIfBuiltAfresh() {
        Network net = ModelLoader.load(ShippedModels.fashionMnistOnnx());
        List<Sample> images = FashionMnist.testSet(ShippedModels.fashionMnistSampleDir(), "sample").load(60);
        String in = net.inputs().get(0).name();
        Calibration cal = Calibrator.profile(net, images.stream().map(s -> Map.of(in, s.input())).toList(),
                "60 sample images");
        MachineConfig m = MachineConfig.DEFAULT;
        Emulator cnv = Emulator.of(net, m, RunConfig.DEFAULT.withArch("cnv").withThresholds(0.1, null)
                .withThreads(2), cal, EnergyTable.DEFAULT);
        for (RunConfig other : List.of(RunConfig.DEFAULT.withArch("dadn").withThreads(2),
                RunConfig.DEFAULT.withArch("cnv2").withThresholds(0.2, null).withThreads(2))) {
            Emulator shared = cnv.with(other);
            Emulator fresh = Emulator.of(net, m, other, cal, EnergyTable.DEFAULT);
            for (Node n : net.acceleratorLayers()) {
                assertSame(cnv.fixedExecutor().layers().layer(n.name()), shared.fixedExecutor().layers().layer(n.name()),
                        n.name() + " quantised once");
                assertNotSame(fresh.fixedExecutor().layers().layer(n.name()), shared.fixedExecutor().layers()
                        .layer(n.name()), "the fresh emulator quantises " + n.name() + " itself");
            }
            assertEquals(other.arch(), shared.run().arch());
            List<Tensor> a = shared.fixedOutputs(images, null);
            List<Tensor> b = fresh.fixedOutputs(images, null);
            for (int i = 0; i < images.size(); i++) {
                assertArrayEquals(b.get(i).data(), a.get(i).data(), other.arch() + ", image " + i);
            }
            RunReport ra = shared.evaluate(images, "m", "d", null).report();
            RunReport rb = fresh.evaluate(images, "m", "d", null).report();
            assertEquals(rb.totals().cyclesTotal(), ra.totals().cyclesTotal(), other.arch() + " cycles");
            assertEquals(rb.totals().baselineCyclesTotal(), ra.totals().baselineCyclesTotal(), other.arch());
        }
    }
}
