package io.cnv2.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.exec.Calibrator;
import io.cnv2.exec.FixedExecutor;
import io.cnv2.fixed.Calibration;
import io.cnv2.hw.Accelerators;
import io.cnv2.importer.ImportOptions;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Thresholds on a quantised model's layer are in real units, converted with the input's scale
 * (docs/FIXED-POINT.md, "Quantised models"): with threshold T, CNV and CNV2 skip every activation
 * whose centred value c has |c| x x_scale < T, so their outputs equal ONNX Runtime's on the input
 * with exactly those activations set to the zero point (the real zero).
 */
class IntegerThresholdRuleTest {
    @Test
    void thresholdInRealUnitsSkipsActivationsBelowItOverTheScale() throws Exception {
        Random r = new Random(2215);
        int changedSomewhere = 0;
        for (int i = 0; i < 12; i++) {
            IntegerLayerRulesTest.Case cs = IntegerLayerRulesTest.randomConv(r, i);
            Network net = OnnxImporter.translate("t.onnx", cs.model(), ImportOptions.DEFAULT);
            var layer = (io.cnv2.ir.QuantisedLayer) net.acceleratorLayers().get(0).op();
            float xs = layer.integer().input().scale();
            int zx = layer.integer().input().zeroPoint();
            int k = 1 + r.nextInt(6);
            double t = (k + 0.5) * xs; // |c| <= k are ineffectual, k + 1 is not
            Tensor x = cs.input().get("x");
            float[] cut = x.data().clone();
            for (int j = 0; j < cut.length; j++) {
                if (Math.abs(cut[j] - zx) <= k) {
                    changedSomewhere += cut[j] != zx ? 1 : 0;
                    cut[j] = zx;
                }
            }
            Map<String, Tensor> thresholded = Map.of("x", new Tensor(x.shape(), cut));
            float[] expect = QuantisedModels.ortOptimised(cs.model(), thresholded, Map.of("x", cs.inputType()))
                    .get("y").data();
            Calibration cal = Calibrator.profile(net, List.of(cs.input()), "test");
            for (String arch : new String[] {"cnv", "cnv2"}) {
                for (String impl : new String[] {"fast", "reference"}) {
                    RunConfig run = RunConfig.DEFAULT.withArch(arch).withImplementation(impl).withThresholds(t, Map.of());
                    FixedExecutor ex = new FixedExecutor(net, cal, Accelerators.create(run, MachineConfig.DEFAULT), 48);
                    assertArrayEquals(expect, ex.run(cs.input(), false).outputs().get("y").data(),
                            cs.describe() + ", T = " + t + " (" + k + ".5 steps): " + arch + " " + impl);
                }
            }
        }
        assertTrue(changedSomewhere > 0, "the thresholds made some non-zero activation ineffectual");
    }
}
