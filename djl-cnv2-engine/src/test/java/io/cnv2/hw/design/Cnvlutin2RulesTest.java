package io.cnv2.hw.design;

import io.cnv2.hw.LayerRun;
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
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Cnvlutin2 (CNV2-MODEL.md section 5): reference against fast, and one test per rule. */
class Cnvlutin2RulesTest {
    private static final MachineConfig M = MachineConfig.DEFAULT;
    /** A small machine: several passes and partial bricks on tiny layers. */
    private static final MachineConfig SMALL = new MachineConfig(2, 3, 4, 16, 2, 64, 32, 1 << 20, 1 << 20, 980);
    /** Cnvlutin2 without weight skipping; tests that skip weights say so. */
    private static final RunConfig CNV2 = RunConfig.DEFAULT.withTiming("ideal").withArch("cnv2").withCnv2("zfnaf", "output", "none");
    private static final List<String> ENCODINGS = List.of("raw", "zfnaf", "roe", "viai", "compressed-viai",
            "compressed-zfnaf");

    private static LayerRun fast(MachineConfig m, RunConfig r, QLayer l, QTensor in) {
        return new Cnvlutin2Fast(m, r).run(l, in);
    }

    private static LayerRun reference(MachineConfig m, RunConfig r, QLayer l, QTensor in) {
        return new Cnvlutin2Reference(m, r).run(l, in);
    }

    @Test
    void referenceAndFastAgreeBitForBitAndCycleForCycleOnRandomPrunedLayers() {
        Random r = new Random(1705);
        int faster = 0;
        for (int i = 0; i < 300; i++) {
            MachineConfig m = i % 4 == 3 ? SMALL : M;
            RandomLayers.Case c = RandomLayers.next(r, i);
            RunConfig run = CNV2.withCnv2(ENCODINGS.get(r.nextInt(ENCODINGS.size())), r.nextBoolean() ? "output" : "fetch",
                    i % 3 == 0 ? "none" : "filter-lanes")
                    .withThresholds(r.nextInt(3) == 0 ? r.nextDouble() * 0.05 : 0, null)
                    .withLaneSync(i % 5 == 4 ? "window" : "step");
            LayerRun ref = reference(m, run, c.layer(), c.input());
            LayerRun fast = fast(m, run, c.layer(), c.input());
            String what = "case " + i + ": " + c.layer().geometry() + " " + run.weightSkip() + " " + run.encoding();
            assertEquals(ref.output(), fast.output(), what);
            assertEquals(ref.stats(), fast.stats(), what);
            if (run.weightSkip().equals("filter-lanes")) {
                LayerRun plain = fast(m, run.withCnv2(run.encoding(), run.detect(), "none"), c.layer(), c.input());
                assertTrue(fast.stats().cycles() <= plain.stats().cycles(), "skipping weights never costs cycles: " + what);
                faster += fast.stats().cycles() < plain.stats().cycles() ? 1 : 0;
            }
        }
        assertTrue(faster > 50, "pruned weights save cycles on many layers: " + faster);
    }

    @Test
    void withThresholdZeroOutputsEqualTheDenseBaselineOnTheSameWeights() {
        Random r = new Random(7);
        for (int i = 0; i < 120; i++) {
            RandomLayers.Case c = RandomLayers.next(r, i);
            RunConfig run = CNV2.withCnv2("compressed-zfnaf", "fetch", "filter-lanes");
            assertEquals(new DaDianNaoFast(M).run(c.layer(), c.input()).output(),
                    fast(M, run, c.layer(), c.input()).output(), c.layer().geometry().toString());
        }
    }

    @Test
    void filterLanesStepCostsTheBusiestLaneAndFilterPair() {
        // one 16-channel brick, one 1x1 window, two filters. Activations 1..4 at offsets 0..3.
        // Filter 0 has non-zero weights at offsets 0 and 1, filter 1 only at offset 2:
        // filter-lanes pairs: filter 0 -> 2 products, filter 1 -> 1 product; step = max(2, 1) = 2 cycles.
        // Without weight skipping the lane holds 4 effectual activations: 4 cycles.
        ConvGeometry g = new ConvGeometry(16, 1, 1, 2, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1);
        short[] w = new short[32];
        w[0] = 5;
        w[1] = -3;
        w[16 + 2] = 7;
        QLayer layer = new QLayer("c", g, w, 0, null, 0, 0, 0);
        short[] a = new short[16];
        for (int i = 0; i < 4; i++) {
            a[i] = (short) (i + 1);
        }
        QTensor in = new QTensor(new Shape(1, 16, 1, 1), a, 0);
        assertEquals(2, fast(M, CNV2.withCnv2("zfnaf", "output", "filter-lanes"), layer, in).stats().cycles());
        assertEquals(2, reference(M, CNV2.withCnv2("zfnaf", "output", "filter-lanes"), layer, in).stats().cycles());
        assertEquals(4, fast(M, CNV2, layer, in).stats().cycles());
        // outputs: filter 0 = 1*5 + 2*(-3) = -1, filter 1 = 3*7 = 21
        LayerRun run = fast(M, CNV2.withCnv2("zfnaf", "output", "filter-lanes"), layer, in);
        assertEquals(-1, run.output().data()[0]);
        assertEquals(21, run.output().data()[1]);
        // SB: 3 weights read with filter-lanes; 4 activations x 2 filters without
        assertEquals(3L * 16, run.stats().sbBitsRead());
        assertEquals(8L * 16, fast(M, CNV2, layer, in).stats().sbBitsRead());
    }

    @Test
    void weightSkipNoneTimesExactlyLikeCnvlutin() {
        Random r = new Random(11);
        RunConfig cnv = RunConfig.DEFAULT.withTiming("ideal").withArch("cnv");
        for (int i = 0; i < 100; i++) {
            RandomLayers.Case c = RandomLayers.next(r, i);
            assertEquals(new CnvlutinFast(M, cnv).run(c.layer(), c.input()).stats().cycles(),
                    fast(M, CNV2, c.layer(), c.input()).stats().cycles(), c.layer().geometry().toString());
        }
    }

    @Test
    void nmReadsTheEncodedBrickWithItsPointerOrTheRawBrickWhenDetectingAtFetch() {
        // one 1x1 window over one brick with 4 effectual activations, one pass
        ConvGeometry g = new ConvGeometry(16, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1);
        QLayer layer = new QLayer("c", g, new short[16], 0, null, 0, 0, 0);
        short[] a = new short[16];
        a[1] = 1;
        a[5] = 2;
        a[9] = 3;
        a[15] = 4;
        QTensor in = new QTensor(new Shape(1, 16, 1, 1), a, 0);
        long[][] want = {
            {256, 0}, // raw
            {320, 0}, // zfnaf: 16 slots of 16 + 4 bits
            {257, 0}, // roe: flag + 256-bit slot
            {272, 0}, // viai: 256 + 16-bit vector
            {16 + 4 * 16, 32}, // compressed viai: vector + 4 values, + pointer
            {4 * 20, 32}, // compressed zfnaf: 4 pairs, + pointer
        };
        for (int e = 0; e < ENCODINGS.size(); e++) {
            RunConfig run = CNV2.withCnv2(ENCODINGS.get(e), "output", "none");
            assertEquals(want[e][0] + want[e][1], fast(M, run, layer, in).stats().nmBitsRead(), ENCODINGS.get(e));
            // the tensor is this one brick: its footprint is what the window fetched
            assertEquals(want[e][0] + want[e][1], fast(M, run, layer, in).stats().footprintBits(), ENCODINGS.get(e));
            assertEquals(256, fast(M, run, layer, in).stats().rawFootprintBits());
            assertEquals(want[e][0] + want[e][1], reference(M, run, layer, in).stats().nmBitsRead(), ENCODINGS.get(e));
            assertEquals(256, fast(M, run.withCnv2(ENCODINGS.get(e), "fetch", "none"), layer, in).stats().nmBitsRead(),
                    "raw in NM when detecting at fetch");
        }
    }
}
