package io.cnv2.hw.design;

import io.cnv2.hw.Accelerator;
import io.cnv2.hw.LayerRun;
import io.cnv2.hw.LayerStats;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.RandomLayers;
import io.cnv2.hw.brick.WindowSums;
import io.cnv2.hw.timing.DaDianNaoTiming;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.config.MachineConfig;
import io.cnv2.fixed.Fixed;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.ConvGeometry;
import io.cnv2.ir.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The dense baseline (CNV2-MODEL.md sections 2 and 3), reference against fast and against the rules. */
class DaDianNaoRulesTest {
    private static final MachineConfig M = MachineConfig.DEFAULT;
    /** A small machine: several passes and partial bricks on tiny layers, 32-bit accumulator. */
    private static final MachineConfig SMALL = new MachineConfig(2, 3, 4, 16, 2, 64, 32, 1 << 20, 1 << 20, 980);

    @Test
    void referenceAndFastAgreeBitForBitAndCycleForCycleOnRandomLayers() {
        Random r = new Random(20160618);
        int saturating = 0;
        for (int i = 0; i < 240; i++) {
            MachineConfig m = i % 3 == 2 ? SMALL : M;
            RandomLayers.Case c = RandomLayers.next(r, i);
            LayerRun ref = new DaDianNaoReference(m).run(c.layer(), c.input());
            LayerRun fast = new DaDianNaoFast(m).run(c.layer(), c.input());
            String what = c.layer().geometry() + " on " + m;
            assertEquals(ref.output(), fast.output(), what);
            assertEquals(ref.stats(), fast.stats(), what);
            if (ref.stats().outputSaturations() > 0) {
                saturating++;
            }
        }
        assertTrue(saturating > 10, "the random layers exercise saturation: " + saturating);
    }

    @Test
    void cyclesAreOxOyKyKxCeilC16CeilK256PerGroup() {
        Random r = new Random(7);
        for (int i = 0; i < 120; i++) {
            RandomLayers.Case c = RandomLayers.next(r, i);
            ConvGeometry g = c.layer().geometry();
            long expect = (long) g.groups() * g.outY() * g.outX() * g.kernelY() * g.kernelX()
                    * ceil(g.channelsPerGroup(), 16) * ceil(g.filtersPerGroup(), 256);
            assertEquals(expect, new DaDianNaoReference(M).run(c.layer(), c.input()).stats().cycles(), g.toString());
        }
        // a ResNet-18 layer, by hand: 56x56 outputs, 3x3x64 window = 36 bricks, 64 filters = 1 pass
        ConvGeometry res = new ConvGeometry(64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        assertEquals(56L * 56 * 36, DaDianNaoTiming.cycles(res, M));
        // a fully connected layer 4096 -> 1000: 256 bricks, 4 passes
        assertEquals(256L * 4, DaDianNaoTiming.cycles(ConvGeometry.fullyConnected(4096, 1000), M));
    }

    @Test
    void outputsAreTheExactSumsRequantisedByRules4And5() {
        // one 2x2 filter on a 2x2 input: sum = 1*100 + 2*(-200) + 3*300 + 4*(-400) = -1000
        ConvGeometry g = new ConvGeometry(1, 2, 2, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, 1, 1);
        QLayer layer = new QLayer("l", g, new short[] {100, -200, 300, -400}, 3, new short[] {6}, 1, 2, 1);
        QTensor in = new QTensor(new Shape(1, 1, 2, 2), new short[] {1, 2, 3, 4}, 2);
        // acc frac 5; bias 6/2^1 -> 6 << 4 = 96; (-1000 + 96) >> 4 with round half up = -56.5 -> -56
        long expect = Fixed.shiftRound(-1000 + 96, 4);
        assertEquals(-56, expect);
        assertArrayEquals(new short[] {-56}, new DaDianNaoFast(M).run(layer, in).output().data());
        assertArrayEquals(new short[] {-56}, new DaDianNaoReference(M).run(layer, in).output().data());
    }

    @Test
    void accumulatorWrapsAtTheConfiguredWidth() {
        // 3 products of 2^30: 3 * 2^30 overflows a 32-bit accumulator and wraps to -2^30
        ConvGeometry g = ConvGeometry.fullyConnected(3, 1);
        QLayer layer = new QLayer("fc", g, new short[] {-32768, -32768, -32768}, 0, null, 0, 0, 0);
        QTensor in = new QTensor(new Shape(1, 3), new short[] {-32768, -32768, -32768}, 0);
        MachineConfig m32 = new MachineConfig(16, 16, 16, 16, 4, 64, 32, 1 << 22, 1 << 21, 980);
        for (Accelerator a : new Accelerator[] {new DaDianNaoFast(m32), new DaDianNaoReference(m32)}) {
            LayerRun run = a.run(layer, in);
            assertEquals(Short.MIN_VALUE, run.output().data()[0], a.getClass().getSimpleName());
            assertEquals(1, run.stats().outputSaturations());
        }
        // with 48 bits the same sum is +3 * 2^30 and saturates high
        assertEquals(Short.MAX_VALUE, new DaDianNaoFast(M).run(layer, in).output().data()[0]);
    }

    @Test
    void fastSumsStayExactAtWorstCaseMagnitudes() {
        // every product is +2^30: double sums are exact below 2^53, so the total must be fanIn * 2^30
        int fanIn = 4608; // 512 channels x 3 x 3, the largest ResNet-18 window
        ConvGeometry g = ConvGeometry.fullyConnected(fanIn, 2);
        short[] w = new short[2 * fanIn];
        java.util.Arrays.fill(w, Short.MIN_VALUE);
        short[] a = new short[fanIn];
        java.util.Arrays.fill(a, Short.MIN_VALUE);
        a[7] = 1; // and one small term, which a rounding sum would lose
        QLayer layer = new QLayer("fc", g, w, 0, null, 0, 0, 0);
        long[] sums = WindowSums.sums(layer, a);
        long expect = (long) (fanIn - 1) * (1L << 30) - 32768;
        assertEquals(expect, sums[0]);
        assertEquals(expect, sums[1]);
    }

    @Test
    void memoryEventsCountBricksFetchedWeightsReadAndOutputsWritten() {
        ConvGeometry g = new ConvGeometry(20, 5, 5, 300, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
        LayerStats s = new DaDianNaoFast(M).run(new QLayer("c", g, new short[300 * 20 * 9], 0, null, 0, 0, 0),
                new QTensor(new Shape(1, 20, 5, 5), new short[500], 0)).stats();
        long bricks = 25L * 9 * 2; // windows x bricks per window
        assertEquals(bricks * 2 * 256, s.nmBitsRead()); // two passes of 256 filters, 256 bits per brick
        assertEquals(bricks * 300 * 256, s.sbBitsRead()); // each real filter reads 16 weights per brick
        assertEquals(300L * 25 * 16, s.nmBitsWritten());
        assertEquals(25L * 300 * 20 * 9, s.macs());
    }

    private static long ceil(int a, int b) {
        return (a + b - 1) / b;
    }
}
