package io.cnv2.hw.brick;

import io.cnv2.hw.QLayer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.fixed.Fixed;
import io.cnv2.ir.ConvGeometry;
import io.cnv2.ir.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The output stage (CNV2-MODEL.md section 2, rules 3 to 5): the fast paths finish a block of
 * sums four filters at a time in double arithmetic; it must give the bits of the rule applied
 * one value at a time, ties and saturation included.
 */
class OutputStageRulesTest {

    @Test
    void blockPathRoundsHalfUpAndSaturatesExactlyLikeTheRuleForEveryShift() {
        Random r = new Random(5);
        int ties = 0;
        int saturated = 0;
        for (int trial = 0; trial < 400; trial++) {
            int filters = 1 + r.nextInt(11); // a tail that is not a multiple of four
            int positions = 1 + r.nextInt(9);
            int fa = r.nextInt(16);
            int fw = r.nextInt(16);
            int fo = r.nextInt(20) - 2; // shifts from fa + fw + 2 down to below zero (left shifts)
            ConvGeometry g = ConvGeometry.fullyConnected(1 + r.nextInt(600), filters);
            g = new ConvGeometry(g.channels(), positions, 1, filters, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1);
            short[] bias = new short[filters];
            for (int k = 0; k < filters; k++) {
                bias[k] = (short) (r.nextInt(65536) - 32768);
            }
            QLayer layer = new QLayer("l", g, new short[filters * g.channels()], fw, bias, r.nextInt(16), fa, fo);
            int s = fa + fw - fo;
            double[] sums = new double[positions * 16];
            for (int p = 0; p < positions; p++) {
                for (int k = 0; k < filters; k++) {
                    long v = (long) (r.nextGaussian() * Math.scalb(1.0, 14 + fa + fw - 15 + r.nextInt(6)));
                    if (s >= 1 && r.nextInt(4) == 0) {
                        v = (v >> s << s) + (1L << (s - 1)); // an exact tie before the bias
                        ties++;
                    }
                    sums[p * 16 + k] = v;
                }
            }
            OutputStage one = new OutputStage(layer, 48);
            OutputStage block = new OutputStage(layer, 48);
            for (int p = 0; p < positions; p++) {
                for (int k = 0; k < filters; k++) {
                    one.put(k * positions + p, k, (long) sums[p * 16 + k]);
                }
            }
            block.putBlock(sums, 0, 16, positions, 0, filters);
            Shape shape = new Shape(1, filters, positions, 1);
            assertArrayEquals(one.tensor(shape).data(), block.tensor(shape).data(), "shift " + s);
            assertEquals(one.saturations(), block.saturations(), "shift " + s);
            saturated += one.saturations() > 0 ? 1 : 0;
        }
        assertTrue(ties > 100 && saturated > 20, "ties " + ties + ", saturating trials " + saturated);
    }

    @Test
    void wrapIsAppliedWhenTheAccumulatorIsNarrow() {
        // a 20-bit accumulator wraps these sums: the block path must fall back to the rule
        ConvGeometry g = new ConvGeometry(64, 2, 1, 4, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1);
        QLayer layer = new QLayer("l", g, new short[4 * 64], 0, null, 0, 0, 0);
        double[] sums = {600_000, -600_000, 1 << 19, 5, 1_048_575, 3, -1, 0};
        OutputStage one = new OutputStage(layer, 20);
        OutputStage block = new OutputStage(layer, 20);
        for (int p = 0; p < 2; p++) {
            for (int k = 0; k < 4; k++) {
                one.put(k * 2 + p, k, (long) sums[p * 4 + k]);
            }
        }
        block.putBlock(sums, 0, 4, 2, 0, 4);
        Shape shape = new Shape(1, 4, 2, 1);
        assertArrayEquals(one.tensor(shape).data(), block.tensor(shape).data());
        // 600000 wraps to 600000 - 2^20 = -448576, which saturates low
        assertEquals(Fixed.MIN, one.tensor(shape).data()[0]);
    }
}
