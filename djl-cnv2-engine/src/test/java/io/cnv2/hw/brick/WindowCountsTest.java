package io.cnv2.hw.brick;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cnv2.hw.RandomLayers;
import io.cnv2.hw.Threshold;
import io.cnv2.ir.ConvGeometry;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link BrickMasks#windowCounts} (prefix sums per residue class of the strides) against the loop
 * over every window and brick it replaces, and {@link PassMasks#reads(long[][])} against the sum of
 * {@link PassMasks#reads(int, int)} over that loop (the SB reads of weight skipping, CNV2-MODEL.md
 * section 5 item 4), on random layers: groups, strides 1-3, dilation, padding, thresholds, bricks of
 * any size, pruned weights.
 */
class WindowCountsTest {
    @Test
    void countsByPrefixSumsEqualTheLoopOverWindows() {
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
                        assertEquals(loop[b][o], counts[b][o], "case " + i + " " + g + " group " + group + " brick " + b
                                + " offset " + o);
                    }
                }
                for (int p = 0; p < pms.size(); p++) {
                    assertEquals(reads[p], pms.get(p).reads(counts), "case " + i + " pass " + p);
                }
            }
        }
    }
}
