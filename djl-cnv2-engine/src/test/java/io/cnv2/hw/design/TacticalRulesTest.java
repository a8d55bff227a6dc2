package io.cnv2.hw.design;

import io.cnv2.hw.LayerRun;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.RandomLayers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.BadInputException;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.config.WeightSkip;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.ConvGeometry;
import io.cnv2.ir.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Cnvlutin2's {@code lookahead(h,d)} weight skipping, the Bit-Tactical static schedule
 * (CNV2-MODEL.md section 5.4): reference against fast, and one test per rule.
 */
class TacticalRulesTest {
    private static final MachineConfig M = MachineConfig.DEFAULT;
    /** 2 tiles of 3 filters, 4-lane bricks: several tiles and passes on tiny layers. */
    private static final MachineConfig SMALL = new MachineConfig(2, 3, 4, 16, 2, 64, 32, 1 << 20, 1 << 20, 980);
    private static final RunConfig CNV2 = RunConfig.DEFAULT.withTiming("ideal").withArch("cnv2");
    private static final List<String> MODES = List.of("lookahead", "lookahead(1,0)", "lookahead(3,8,T)",
            "lookahead(2,4,L)");

    private static RunConfig lookahead(String mode) {
        return CNV2.withCnv2("zfnaf", "output", mode);
    }

    @Test
    void theDefaultSearchMapIsDnnsimsTShapeWithLookaheadTwoAndLookasideFive() {
        WeightSkip ws = WeightSkip.parse("lookahead");
        assertEquals("lookahead(2,5,T)", ws.toString());
        assertEquals("[[1, -1], [1, 0], [1, 1], [1, 3], [2, -2], [2, 0], [2, 2]]",
                ws.searchMap().stream().map(Arrays::toString).toList().toString());
        assertEquals("[[1, -3], [1, -2], [1, -1], [1, 0], [2, 0]]",
                WeightSkip.parse("lookahead(2,3,L)").searchMap().stream().map(Arrays::toString).toList().toString());
        assertEquals(3, ws.selectBits(), "7 search positions and the slot's own: 3 select bits");
        assertThrows(BadInputException.class, () -> WeightSkip.parse("lookahead(0,5)"));
        assertThrows(BadInputException.class, () -> WeightSkip.parse("lookahed"));
    }

    @Test
    void referenceAndFastAgreeBitForBitAndCycleForCycleOnRandomPrunedLayers() {
        Random r = new Random(2019);
        int faster = 0;
        int orderMatters = 0;
        for (int i = 0; i < 240; i++) {
            MachineConfig m = i % 3 == 2 ? SMALL : M;
            RandomLayers.Case c = prune(r, RandomLayers.next(r, i), r.nextDouble() * 0.95);
            // every mode under both kernel orders (section 7: kernelOrder ky-kx, or kx-ky as DNNsim)
            String order = i / MODES.size() % 2 == 0 ? "ky-kx" : "kx-ky";
            RunConfig run = CNV2.withCnv2(r.nextBoolean() ? "compressed-zfnaf" : "raw", r.nextBoolean() ? "output" : "fetch",
                    MODES.get(i % MODES.size())).withThresholds(r.nextInt(3) == 0 ? r.nextDouble() * 0.05 : 0, null)
                    .withCounting("naf", "brick", order);
            LayerRun ref = new Cnvlutin2Reference(m, run).run(c.layer(), c.input());
            LayerRun fast = new Cnvlutin2Fast(m, run).run(c.layer(), c.input());
            String what = "case " + i + ": " + c.layer().geometry() + " " + run.weightSkip() + " " + order;
            assertEquals(ref.output(), fast.output(), what);
            assertEquals(ref.stats(), fast.stats(), what);
            assertTrue(fast.stats().cycles() <= fast.stats().baselineCycles(), "never slower than DaDN: " + what);
            assertTrue(fast.stats().idleLaneCycles() >= 0, what);
            faster += fast.stats().cycles() < fast.stats().baselineCycles() ? 1 : 0;
            RunConfig other = run.withCounting("naf", "brick", order.equals("ky-kx") ? "kx-ky" : "ky-kx");
            orderMatters += new Cnvlutin2Fast(m, other).run(c.layer(), c.input()).stats().cycles()
                    != fast.stats().cycles() ? 1 : 0;
        }
        assertTrue(faster > 100, "pruned weights save cycles on most layers: " + faster);
        assertTrue(orderMatters > 10, "the kernel order changes the schedule of many layers: " + orderMatters);
    }

    @Test
    void withThresholdZeroOutputsEqualTheDenseBaselineOnTheSameWeights() {
        Random r = new Random(5);
        for (int i = 0; i < 120; i++) {
            RandomLayers.Case c = prune(r, RandomLayers.next(r, i), 0.8);
            assertEquals(new DaDianNaoFast(M).run(c.layer(), c.input()).output(),
                    new Cnvlutin2Fast(M, lookahead("lookahead")).run(c.layer(), c.input()).output(),
                    c.layer().geometry().toString());
        }
    }

    @Test
    void anEmptyRowIsSkippedOnceItsWeightsMovedAhead() {
        // one filter, 32 inputs = two rows. Row 0 has every weight but lane 5; row 1 only lane 5.
        // Lane 5 of row 0 takes row 1's weight from (1, 0); row 1 is then empty and skipped: 1 cycle, DaDN 2.
        short[] w = new short[32];
        Arrays.fill(w, 0, 16, (short) 3);
        w[5] = 0;
        w[16 + 5] = -7;
        assertCycles(1, "lookahead", fc(32, w));
    }

    @Test
    void noMoreThanHEmptyRowsAreSkippedInARow() {
        // one filter, 6 rows, all weights zero: with h = 2 the lanes skip 2 rows and must spend a
        // cycle on the third (the activation window holds h + 1 rows): 2 cycles; with h = 1, 3 cycles.
        short[] w = new short[96];
        assertCycles(2, "lookahead(2,5)", fc(96, w));
        assertCycles(3, "lookahead(1,5)", fc(96, w));
    }

    @Test
    void theSlotWithTheMostCandidatesIsFilledFirst() {
        // T(2,5), two rows. Row 0 holds weights at lanes 2..15 (holes at 0 and 1); row 1 at lanes 1 and 2.
        // Hole 0 finds one candidate (row 1 lane 1, at (1,+1)); hole 1 finds two ((1,0) lane 1, (1,+1) lane 2).
        // Hole 1 goes first and takes its first candidate, lane 1; hole 0 then has none left.
        // Row 1 keeps lane 2, so the filter spends 2 cycles. (Filling hole 0 first would have emptied row 1.)
        short[] w = new short[32];
        Arrays.fill(w, 2, 16, (short) 1);
        w[16 + 1] = 4;
        w[16 + 2] = 5;
        assertCycles(2, "lookahead", fc(32, w));
        // with lookahead(1,0) only (1, 0) is searched: hole 1 takes lane 1, hole 0 finds nothing, row 1 keeps lane 2
        assertCycles(2, "lookahead(1,0)", fc(32, w));
    }

    @Test
    void aWindowCostsItsSlowestTilesRows() {
        // SMALL: tiles of 3 filters, 4-lane bricks; 6 filters over 8 inputs = 2 rows, one pass of two tiles.
        // Tile 0's filters have every weight (2 rows each); tile 1's have none (its rows are skipped).
        ConvGeometry g = ConvGeometry.fullyConnected(8, 6);
        short[] w = new short[48];
        Arrays.fill(w, 0, 24, (short) 2);
        QLayer layer = new QLayer("fc", g, w, 0, null, 0, 0, 0);
        QTensor in = ones(8);
        LayerRun run = new Cnvlutin2Fast(SMALL, lookahead("lookahead")).run(layer, in);
        assertEquals(2, run.stats().cycles());
        assertEquals(run.stats(), new Cnvlutin2Reference(SMALL, lookahead("lookahead")).run(layer, in).stats());
        // SB: tile 0 reads 2 rows x 3 filters x 4 lanes x (16 + 3 select bits); tile 1 none
        assertEquals(2L * 3 * 4 * 19, run.stats().sbBitsRead());
    }

    @Test
    void weightRowsWalkTheKernelRowMajorOrColumnMajorAsDnnsim() {
        // one 3x3 filter over 16 channels, one window: 9 weight rows of one brick each. Full rows
        // (every lane non-zero) at kernel column kx = 0 only. Row-major (ky-kx) they are rows 0, 3, 6:
        // each is followed by two empty rows, skipped (h = 2), so 3 cycles. Column-major (kx-ky) they
        // are rows 0, 1, 2; rows 3-8 are empty, but at most h = 2 in a row are skipped: rows 5 and 8
        // cost a cycle each, 5 cycles. Full rows have no empty slot, so no weight moves either way.
        int[][] column = {{0xFFFF, 0, 0}, {0xFFFF, 0, 0}, {0xFFFF, 0, 0}};
        assertCycles(3, "lookahead", "ky-kx", kernel3x3(column));
        assertCycles(5, "lookahead", "kx-ky", kernel3x3(column));
        // lookahead(1,0): an empty slot takes only the weight in its lane of the next row, one empty
        // row may be skipped. Kernel rows ky (lanes holding weights, hex):
        //   ky 0: ffff ffff ffff;  ky 1: ffff 00ff ff00;  ky 2: 00ff ffff ff00
        // ky-kx rows: F F F F 00ff ff00 00ff F ff00. Row 4 takes row 5's lanes 8-15 (row 5 empty,
        // skipped); row 6 takes row 7's, row 7 (now 00ff) row 8's (row 8 empty, skipped): 7 cycles.
        // kx-ky rows: F F 00ff F 00ff F F ff00 ff00. Row 2 takes row 3's high lanes; row 3 (now 00ff)
        // finds none in row 4 (00ff); row 4 takes row 5's, row 5 row 6's, row 6 row 7's (row 7 empty,
        // skipped); row 8 keeps its weights: 8 cycles.
        int[][] masks = {{0xFFFF, 0xFFFF, 0xFFFF}, {0xFFFF, 0x00FF, 0xFF00}, {0x00FF, 0xFFFF, 0xFF00}};
        assertCycles(7, "lookahead(1,0)", "ky-kx", kernel3x3(masks));
        assertCycles(8, "lookahead(1,0)", "kx-ky", kernel3x3(masks));
    }

    /** One 3x3 filter of 16 channels over a 3x3 input (one window); bit c of {@code masks[ky][kx]}: weight c != 0. */
    private static QLayer kernel3x3(int[][] masks) {
        ConvGeometry g = new ConvGeometry(16, 3, 3, 1, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1);
        short[] w = new short[16 * 9];
        for (int c = 0; c < 16; c++) {
            for (int ky = 0; ky < 3; ky++) {
                for (int kx = 0; kx < 3; kx++) {
                    w[(c * 3 + ky) * 3 + kx] = (short) ((masks[ky][kx] >>> c & 1) * (c + 1));
                }
            }
        }
        return new QLayer("k3", g, w, 0, null, 0, 0, 0);
    }

    private static void assertCycles(long expected, String mode, String kernelOrder, QLayer layer) {
        RunConfig run = lookahead(mode).withCounting("naf", "brick", kernelOrder);
        ConvGeometry g = layer.geometry();
        QTensor in = new QTensor(new Shape(1, g.channels(), g.height(), g.width()),
                ones(g.channels() * g.height() * g.width()).data(), 0);
        String what = mode + " " + kernelOrder;
        LayerRun fast = new Cnvlutin2Fast(M, run).run(layer, in);
        LayerRun ref = new Cnvlutin2Reference(M, run).run(layer, in);
        assertEquals(expected, fast.stats().cycles(), what + " fast");
        assertEquals(expected, ref.stats().cycles(), what + " reference");
        assertEquals(ref.output(), fast.output(), what);
        assertEquals(new DaDianNaoFast(M).run(layer, in).output(), fast.output(), "the same sums as dense: " + what);
    }

    private static void assertCycles(long expected, String mode, QLayer layer) {
        QTensor in = ones(layer.geometry().channels());
        assertEquals(expected, new Cnvlutin2Fast(M, lookahead(mode)).run(layer, in).stats().cycles(), mode + " fast");
        assertEquals(expected, new Cnvlutin2Reference(M, lookahead(mode)).run(layer, in).stats().cycles(),
                mode + " reference");
    }

    private static QLayer fc(int inputs, short[] w) {
        return new QLayer("fc", ConvGeometry.fullyConnected(inputs, w.length / inputs), w, 0, null, 0, 0, 0);
    }

    private static QTensor ones(int n) {
        short[] a = new short[n];
        Arrays.fill(a, (short) 1);
        return new QTensor(new Shape(1, n), a, 0);
    }

    /** The case with each weight zeroed with probability {@code p} (a stand-in for pruning). */
    private static RandomLayers.Case prune(Random r, RandomLayers.Case c, double p) {
        short[] w = c.layer().weights().clone();
        for (int i = 0; i < w.length; i++) {
            if (r.nextDouble() < p) {
                w[i] = 0;
            }
        }
        QLayer l = c.layer();
        return new RandomLayers.Case(new QLayer(l.name(), l.geometry(), w, l.weightFrac(), l.bias(), l.biasFrac(),
                l.inputFrac(), l.outputFrac()), c.input());
    }
}
