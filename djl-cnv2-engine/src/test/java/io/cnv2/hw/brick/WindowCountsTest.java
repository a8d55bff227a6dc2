package io.cnv2.hw.brick;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cnv2.hw.RandomLayers;
import io.cnv2.hw.Threshold;
import io.cnv2.ir.ConvGeometry;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link BrickMasks#windowCounts} (per input row a bit string, popcounts per kernel column) against the loop
 * over every window and brick it replaces, and {@link PassMasks#reads(long[][])} against the sum of
 * {@link PassMasks#reads(int, int)} over that loop (the SB reads of weight skipping, CNV2-MODEL.md
 * section 5 item 4), on random layers: groups, strides 1-3, dilation, padding, thresholds, bricks of
 * any size, pruned weights.
 */
class WindowCountsTest {
    @Test
    void countsByRowBitsEqualTheLoopOverWindows() {
        countsEqualTheLoop();
    }

    /** The same with the scalar row bits (a JVM without the Vector API module). */
    @Test
    void scalarRowBitsEqualTheLoopOverWindows() {
        io.cnv2.Simd.forceScalar(true);
        try {
            countsEqualTheLoop();
        } finally {
            io.cnv2.Simd.forceScalar(false);
        }
    }

    private static void countsEqualTheLoop() {
        Random r = new Random(2323);
        for (int i = 0; i < 300; i++) {
            RandomLayers.Case c = RandomLayers.next(r, i);
            ConvGeometry g0 = c.layer().geometry();
            // RandomLayers' strides are 1 or 2: stretch some to 3 (a geometry with the same input)
            ConvGeometry g = r.nextInt(4) == 0 && g0.outY() > 0
                    ? new ConvGeometry(g0.channels(), g0.height(), g0.width(), g0.filters(), g0.kernelY(), g0.kernelX(),
                    3, 3, g0.padTop(), g0.padLeft(), g0.padBottom(), g0.padRight(), g0.dilationY(), g0.dilationX(),
                    g0.groups()) : g0;
            Threshold t = r.nextBoolean() ? Threshold.zero(c.layer().inputFrac())
                    : new Threshold(r.nextDouble() * Math.scalb(3000.0, -c.layer().inputFrac()), c.layer().inputFrac());
            int brick = r.nextBoolean() ? 16 : 1 + r.nextInt(20);
            short[] in = c.input().data();
            io.cnv2.hw.QLayer layer = new io.cnv2.hw.QLayer("w", g, c.layer().weights(), c.layer().weightFrac(), null,
                    0, c.layer().inputFrac(), c.layer().inputFrac());
            check("case " + i, g, layer, in, t, brick);
        }
        wideRowsEqualTheLoop();
    }

    /**
     * Rows wide enough for the vector compare (RandomLayers' inputs are at most 12 wide): widths up
     * to 200, so a vector's bits start inside a word and straddle two, with tails of every length.
     */
    private static void wideRowsEqualTheLoop() {
        Random r = new Random(2324);
        for (int i = 0; i < 60; i++) {
            int ky = 1 + r.nextInt(4);
            int kx = 1 + r.nextInt(4);
            int dil = 1 + r.nextInt(2);
            int stride = 1 + r.nextInt(3);
            int c = 1 + r.nextInt(5);
            int k = 1 + r.nextInt(20);
            int h = (ky - 1) * dil + 1 + r.nextInt(5);
            int w = (kx - 1) * dil + 1 + r.nextInt(200);
            ConvGeometry g = new ConvGeometry(c, h, w, k, ky, kx, stride, stride, r.nextInt(3), r.nextInt(3),
                    r.nextInt(3), r.nextInt(3), dil, dil, 1);
            short[] in = new short[c * h * w];
            double zeros = r.nextDouble();
            for (int j = 0; j < in.length; j++) {
                // the extremes often: -32768 has no positive twin, the vector compare must still count it
                in[j] = r.nextDouble() < zeros ? 0 : r.nextInt(8) == 0 ? (short) (r.nextBoolean() ? -32768 : 32767)
                        : (short) (r.nextInt(65536) - 32768);
            }
            short[] weights = new short[k * c * ky * kx];
            for (int j = 0; j < weights.length; j++) {
                weights[j] = r.nextInt(3) == 0 ? 0 : (short) (1 + r.nextInt(100));
            }
            int fa = r.nextInt(16);
            Threshold t = r.nextInt(3) == 0 ? Threshold.zero(fa) : new Threshold(r.nextDouble() * Math.scalb(40000.0, -fa), fa);
            io.cnv2.hw.QLayer layer = new io.cnv2.hw.QLayer("wide", g, weights, 10, null, 0, fa, fa);
            check("wide " + i, g, layer, in, t, r.nextBoolean() ? 16 : 1 + r.nextInt(20));
        }
    }

    private static void check(String name, ConvGeometry g, io.cnv2.hw.QLayer layer, short[] in, Threshold t, int brick) {
        int passes = (g.filtersPerGroup() + 15) / 16;
        for (int group = 0; group < g.groups(); group++) {
            BrickMasks m = new BrickMasks(in, g, group, brick, t);
            long[][] loop = new long[m.offsets.length][brick];
            java.util.List<PassMasks> pms = PassMasks.of(layer, group, passes, 16, brick, true);
            long[] reads = new long[pms.size()];
            for (int oy = 0; oy < g.outY(); oy++) {
                for (int ox = 0; ox < g.outX(); ox++) {
                    for (int b = 0; b < m.offsets.length; b++) {
                        int a = m.mask(m.corner(oy, ox) + m.offsets[b]);
                        for (int o = 0; o < brick; o++) {
                            loop[b][o] += a >>> o & 1;
                        }
                        for (int p = 0; p < pms.size(); p++) {
                            reads[p] += pms.get(p).reads(a, b);
                        }
                    }
                }
            }
            long[][] counts = BrickMasks.windowCounts(in, g, group, brick, t);
            for (int b = 0; b < loop.length; b++) {
                for (int o = 0; o < brick; o++) {
                    assertEquals(loop[b][o], counts[b][o], name + " " + g + " group " + group + " brick " + b
                            + " offset " + o);
                }
            }
            for (int p = 0; p < pms.size(); p++) {
                assertEquals(reads[p], pms.get(p).reads(counts), name + " pass " + p);
            }
        }
    }
}
