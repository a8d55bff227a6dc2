package io.cnv2.hw.design;

import io.cnv2.hw.LayerRun;
import io.cnv2.hw.LayerStats;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.RandomLayers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.ConvGeometry;
import io.cnv2.ir.Shape;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Cnvlutin (CNV2-MODEL.md section 4): one test per rule, and reference against fast. */
class CnvlutinRulesTest {
    private static final MachineConfig M = MachineConfig.DEFAULT;
    private static final MachineConfig SMALL = new MachineConfig(2, 3, 4, 16, 2, 64, 32, 1 << 20, 1 << 20, 980);
    private static final RunConfig CNV = RunConfig.DEFAULT.withTiming("ideal").withArch("cnv");

    private static LayerRun fast(MachineConfig m, RunConfig r, QLayer l, QTensor in) {
        return new CnvlutinFast(m, r).run(l, in);
    }

    private static LayerRun reference(MachineConfig m, RunConfig r, QLayer l, QTensor in) {
        return new CnvlutinReference(m, r).run(l, in);
    }

    @Test
    void referenceAndFastAgreeBitForBitAndCycleForCycleOnRandomLayers() {
        Random r = new Random(2016);
        int slower = 0;
        int thresholded = 0;
        for (int i = 0; i < 540; i++) {
            MachineConfig m = i % 4 == 3 ? SMALL : M;
            double sparsity = i % 10 == 9 ? 0.99 : i % 10 / 10.0;
            RandomLayers.Case c = RandomLayers.next(r, i, sparsity);
            double t = i % 3 == 0 ? 0 : r.nextDouble() * Math.scalb(3000.0, -c.layer().inputFrac());
            RunConfig run = CNV.withThresholds(t, null).withLaneSync(i % 5 == 4 ? "window" : "step");
            if (i % 7 == 6) {
                run = new RunConfig("cnv", "fast", 100, Map.of(), 0, t, Map.of(), List.of(), run.laneSync(), 2,
                        "consecutive", "zfnaf", "output", "none", 0.0, "layer", "ideal", null, "cnv2", "naf", "brick", "ky-kx");
            }
            LayerRun ref = reference(m, run, c.layer(), c.input());
            LayerRun fast = fast(m, run, c.layer(), c.input());
            String what = c.layer().geometry() + " sparsity " + sparsity + " threshold " + t + " " + run.laneSync();
            assertEquals(ref.output(), fast.output(), what);
            assertEquals(ref.stats(), fast.stats(), what);
            slower += ref.stats().speedup() < 1 ? 1 : 0;
            thresholded += ref.stats().thresholdedInputs() > 0 ? 1 : 0;
        }
        assertTrue(slower > 0 && thresholded > 100, "cases cover slowdowns (" + slower + ") and thresholds ("
                + thresholded + ")");
    }

    @Test
    void withEveryThresholdZeroOutputsEqualTheDenseBaselineBitForBit() {
        Random r = new Random(99);
        for (int i = 0; i < 200; i++) {
            RandomLayers.Case c = RandomLayers.next(r, i, r.nextDouble());
            LayerRun dadn = new DaDianNaoFast(M).run(c.layer(), c.input());
            assertEquals(dadn.output(), fast(M, CNV, c.layer(), c.input()).output());
            assertEquals(dadn.stats().baselineCycles(), fast(M, CNV, c.layer(), c.input()).stats().baselineCycles());
            if (i % 10 == 0) {
                assertEquals(dadn.output(), reference(M, CNV, c.layer(), c.input()).output());
            }
        }
    }

    /**
     * Hand-worked: C = 32 (two bricks per position), 3x3 kernel on a 3x3 input, one filter. One
     * window of 3 * 3 * 2 = 18 bricks in (ky, kx, channel-brick) order: step 0 deals bricks 0..15
     * to lanes 0..15, step 1 bricks 16 and 17 to lanes 0 and 1. Effectual counts: brick 0
     * (position (0,0), channels 0..15) holds 5, bricks 2, 4, ..., 14 one each, brick 16 one and
     * brick 17 (position (2,2), channels 16..31) three. Step 0 costs max(5, 1, ...) = 5 cycles,
     * step 1 max(1, 3) = 3: 8 cycles, against DaDianNao's 18 (speedup 2.25). Effectual lane-cycles
     * 5 + 7 + 1 + 3 = 16, idle 16 x 8 - 16 = 112.
     */
    @Test
    void stepCostsTheBusiestLaneHandWorkedExample() {
        ConvGeometry g = new ConvGeometry(32, 3, 3, 1, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1);
        short[] a = new short[32 * 9];
        for (int c = 0; c < 5; c++) {
            a[c * 9] = (short) (c + 1); // position (0,0): brick 0 has 5
        }
        for (int p = 1; p < 8; p++) {
            a[3 * 9 + p] = 2; // channel 3 at positions 1..7: bricks 2, 4, ..., 14 have 1
        }
        a[9 * 9 + 8] = 1; // position 8 = (2,2), channel 9: brick 16 has 1
        a[16 * 9 + 8] = 3;
        a[20 * 9 + 8] = -3;
        a[31 * 9 + 8] = 5; // brick 17 has 3
        short[] w = new short[32 * 9];
        java.util.Arrays.fill(w, (short) 1);
        QLayer layer = new QLayer("hand", g, w, 0, null, 0, 0, 0);
        QTensor in = new QTensor(new Shape(1, 32, 3, 3), a, 0);
        for (LayerRun run : List.of(fast(M, CNV, layer, in), reference(M, CNV, layer, in))) {
            assertEquals(8, run.stats().cycles());
            assertEquals(18, run.stats().baselineCycles());
            assertEquals(2.25, run.stats().speedup(), 1e-12);
            assertEquals(16, run.stats().effectualLaneCycles());
            assertEquals(112, run.stats().idleLaneCycles());
            assertEquals(1 + 2 + 3 + 4 + 5 + 7 * 2 + 1 + 3 - 3 + 5, run.output().data()[0]);
        }
    }

    @Test
    void minStepCyclesBoundsEveryStep() {
        // an all-zero window still costs minStepCycles per step: 18 bricks = 2 steps
        ConvGeometry g = new ConvGeometry(32, 3, 3, 1, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1);
        QLayer layer = new QLayer("zeros", g, new short[32 * 9], 0, null, 0, 0, 0);
        QTensor in = new QTensor(new Shape(1, 32, 3, 3), new short[32 * 9], 0);
        RunConfig two = new RunConfig("cnv", "fast", 100, Map.of(), 0, 0, Map.of(), List.of(), "step", 2,
                "consecutive", "zfnaf", "output", "none", 0.0, "layer", "ideal", null, "cnv2", "naf", "brick", "ky-kx");
        assertEquals(2, fast(M, CNV, layer, in).stats().cycles());
        assertEquals(4, fast(M, two, layer, in).stats().cycles());
        assertEquals(4, reference(M, two, layer, in).stats().cycles());
    }

    @Test
    void partialStepCanMakeALayerSlowerThanDadianNao() {
        // every activation effectual: step 0 costs 16, the partial step 1 (bricks 16, 17) costs 16 more
        ConvGeometry g = new ConvGeometry(32, 3, 3, 1, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1);
        short[] a = new short[32 * 9];
        java.util.Arrays.fill(a, (short) 1);
        QLayer layer = new QLayer("dense", g, new short[32 * 9], 0, null, 0, 0, 0);
        LayerStats s = fast(M, CNV, layer, new QTensor(new Shape(1, 32, 3, 3), a, 0)).stats();
        assertEquals(32, s.cycles());
        assertEquals(18, s.baselineCycles());
        assertTrue(s.speedup() < 1, "reported as it is, not clamped: " + s.speedup());
    }

    @Test
    void allTilesWorkInLockstepSoEveryFilterPassRepeatsTheWindow() {
        Random r = new Random(5);
        RandomLayers.Case c = RandomLayers.next(r, 2, 0.5);
        ConvGeometry g = c.layer().geometry();
        for (int k : new int[] {256, 257, 600}) {
            ConvGeometry gk = new ConvGeometry(g.channels(), g.height(), g.width(), k, g.kernelY(), g.kernelX(),
                    g.strideY(), g.strideX(), g.padTop(), g.padLeft(), g.padBottom(), g.padRight(), 1, 1, 1);
            QLayer one = new QLayer("k", gk, new short[k * g.channels() * g.kernelY() * g.kernelX()], 0, null, 0,
                    0, 0);
            QLayer base = new QLayer("k", new ConvGeometry(g.channels(), g.height(), g.width(), 1, g.kernelY(),
                    g.kernelX(), g.strideY(), g.strideX(), g.padTop(), g.padLeft(), g.padBottom(), g.padRight(), 1,
                    1, 1), new short[g.channels() * g.kernelY() * g.kernelX()], 0, null, 0, 0, 0);
            long perPass = fast(M, CNV, base, c.input()).stats().cycles();
            assertEquals(perPass * ((k + 255) / 256), fast(M, CNV, one, c.input()).stats().cycles(), "K=" + k);
        }
    }

    @Test
    void windowSyncLetsEachLaneRunThroughItsBricks() {
        // the hand-worked window: lane 0 holds bricks 0 and 16 (5 + 1), lane 1 bricks 1 and 17 (0 + 3),
        // the others one each: the window costs max(6, 3, 1) = 6 cycles instead of 5 + 3 = 8
        ConvGeometry g = new ConvGeometry(32, 3, 3, 1, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1);
        short[] a = new short[32 * 9];
        for (int c = 0; c < 5; c++) {
            a[c * 9] = 1;
        }
        for (int p = 1; p < 8; p++) {
            a[3 * 9 + p] = 2;
        }
        a[9 * 9 + 8] = 1;
        a[16 * 9 + 8] = 3;
        a[20 * 9 + 8] = 3;
        a[31 * 9 + 8] = 5;
        QLayer layer = new QLayer("w", g, new short[32 * 9], 0, null, 0, 0, 0);
        QTensor in = new QTensor(new Shape(1, 32, 3, 3), a, 0);
        RunConfig window = CNV.withLaneSync("window");
        assertEquals(6, fast(M, window, layer, in).stats().cycles());
        assertEquals(6, reference(M, window, layer, in).stats().cycles());
        assertEquals(8, fast(M, CNV, layer, in).stats().cycles());
    }

    @Test
    void thresholdIsInRealUnitsOfTheInputFormat() {
        // fa = 4: T = 0.5 is 8 in integer units, so |q| < 8 is skipped and |q| >= 8 is not
        ConvGeometry g = ConvGeometry.fullyConnected(4, 1);
        QLayer layer = new QLayer("fc", g, new short[] {1, 1, 1, 1}, 0, null, 0, 4, 4);
        QTensor in = new QTensor(new Shape(1, 4), new short[] {7, -8, 8, -7}, 4);
        RunConfig half = CNV.withThresholds(0, Map.of("fc", 0.5));
        for (LayerRun run : List.of(fast(M, half, layer, in), reference(M, half, layer, in))) {
            assertEquals(0, run.output().data()[0]); // -8 + 8
            assertEquals(2, run.stats().effectualInputs());
            assertEquals(2, run.stats().thresholdedInputs());
        }
        assertEquals(0, fast(M, CNV, layer, in).output().data()[0]); // 7 - 8 + 8 - 7 without the threshold
        assertEquals(4, fast(M, CNV, layer, in).stats().effectualInputs());
    }

    @Test
    void denseLayersRunLikeDadianNao() {
        Random r = new Random(8);
        RandomLayers.Case c = RandomLayers.next(r, 3, 0.8);
        RunConfig dense = CNV.withThresholds(1e9, null).withDenseLayers(List.of(c.layer().name()));
        LayerRun d = new DaDianNaoFast(M).run(c.layer(), c.input());
        assertEquals(d.stats(), fast(M, dense, c.layer(), c.input()).stats());
        assertEquals(d.output(), reference(M, dense, c.layer(), c.input()).output());
    }

    @Test
    void idleLaneCyclesAreTheLaneCyclesNotSpentOnEffectualActivations() {
        Random r = new Random(11);
        for (int i = 0; i < 30; i++) {
            RandomLayers.Case c = RandomLayers.next(r, i, 0.6);
            LayerStats s = fast(M, CNV, c.layer(), c.input()).stats();
            assertEquals(16 * s.cycles(), s.effectualLaneCycles() + s.idleLaneCycles());
            // the ideal: lanes never wait, so cycles >= effectual / 16 per pass
            assertTrue(s.cycles() * 16 >= s.effectualLaneCycles());
        }
    }
}
