package io.cnv2.hw.brick;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.encoding.Encoding;
import io.cnv2.encoding.Footprint;
import io.cnv2.fixed.QTensor;
import io.cnv2.hw.RandomLayers;
import io.cnv2.hw.Threshold;
import io.cnv2.ir.ConvGeometry;
import io.cnv2.ir.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The shortcuts the fast paths take for their bookkeeping (issue #23), each held against the
 * literal rule it replaces: the threshold as one integer compare against
 * {@link Threshold#ineffectual} on every 16-bit value, a footprint from the effectual count
 * against the brick-by-brick sum of CNV2-MODEL.md section 5, and the window sum of
 * {@link BrickMasks} by multiplicity against the loop over every window's bricks.
 */
class BookkeepingRulesTest {
    @Test
    void theIntegerBoundAgreesWithTheThresholdRuleOnEveryShort() {
        Random r = new Random(23);
        int cutSome = 0;
        for (int i = 0; i < 200; i++) {
            Threshold t = switch (i % 4) {
                case 0 -> Threshold.zero(r.nextInt(16));
                case 1 -> new Threshold(r.nextDouble() * 4, r.nextInt(16));
                case 2 -> Threshold.inUnits(r.nextDouble() * 0.1, r.nextDouble() * 0.01); // a quantised scale
                default -> new Threshold(r.nextInt(5) == 0 ? 1e9 : r.nextInt(8), r.nextInt(12)); // integer limits
            };
            short[] all = new short[1 << 16];
            long eff = 0;
            long cut = 0;
            for (int q = Short.MIN_VALUE; q <= Short.MAX_VALUE; q++) {
                short s = (short) q;
                all[q - Short.MIN_VALUE] = s;
                boolean ineffectual = t.ineffectual(q);
                assertEquals(ineffectual, t.ineffectualShort(s), t + " at " + q);
                eff += ineffectual ? 0 : 1;
                cut += ineffectual && q != 0 ? 1 : 0;
            }
            long[] counts = t.count(all);
            assertEquals(all.length, counts[0]);
            assertEquals(eff, counts[1], t.toString());
            assertEquals(cut, counts[2], t.toString());
            // a length that is no multiple of any vector: the vector pass's tail, counted one by one
            int n = all.length - 1 - r.nextInt(63);
            short[] part = java.util.Arrays.copyOfRange(all, all.length - n, all.length);
            long partEff = 0;
            long partCut = 0;
            for (short s : part) {
                boolean ineffectual = t.ineffectual(s);
                partEff += ineffectual ? 0 : 1;
                partCut += ineffectual && s != 0 ? 1 : 0;
            }
            assertArrayEquals(new long[] {n, partEff, partCut}, t.count(part), t + " over " + n + " values");
            short[] applied = t.apply(all);
            for (int q = 0; q < all.length; q++) {
                assertEquals(t.ineffectual(all[q]) ? 0 : all[q], applied[q], t + " applied at " + all[q]);
            }
            cutSome += cut > 0 ? 1 : 0;
        }
        assertTrue(cutSome > 50, "thresholds that cut non-zero values are met: " + cutSome);
    }

    @Test
    void aFootprintFromTheEffectualCountEqualsTheSumOverBricks() {
        Random r = new Random(5);
        for (int i = 0; i < 300; i++) {
            int c = 1 + r.nextInt(70);
            boolean flat = r.nextInt(4) == 0;
            int h = flat ? 1 : 1 + r.nextInt(9);
            int w = flat ? 1 : 1 + r.nextInt(9);
            Shape shape = flat ? new Shape(1, c) : new Shape(1, c, h, w);
            short[] q = new short[c * h * w];
            double zeros = r.nextDouble();
            for (int k = 0; k < q.length; k++) {
                q[k] = r.nextDouble() < zeros ? 0 : (short) (r.nextInt(1 << 12) - (1 << 11));
            }
            QTensor t = new QTensor(shape, q, 8);
            Threshold th = r.nextBoolean() ? Threshold.zero(8) : new Threshold(r.nextDouble() * 4, 8);
            int brick = r.nextBoolean() ? 16 : 1 + r.nextInt(20);
            int group = 1 + r.nextInt(4);
            for (Encoding e : Encoding.values()) {
                assertTrue(Footprint.linear(e, brick, 16, 4), e + " is linear in the effectual count");
                Footprint f = Footprint.of(t, th, e, brick, 16, 4, 32, group);
                // the literal rule: every brick (y, x, channel-brick) costs its encoding's bits for its count
                int hw = h * w;
                int perPos = (c + brick - 1) / brick;
                long bits = 0;
                for (int p = 0; p < hw; p++) {
                    for (int cb = 0; cb < perPos; cb++) {
                        int n = 0;
                        for (int ch = cb * brick; ch < Math.min(c, cb * brick + brick); ch++) {
                            n += th.ineffectual(q[ch * hw + p]) ? 0 : 1;
                        }
                        bits += e.brickBits(n, brick, 16, 4);
                    }
                }
                long bricks = (long) hw * perPos;
                assertEquals(bricks, f.bricks(), e + " case " + i);
                assertEquals(bits, f.brickBits(), e + " case " + i);
                assertEquals(e.variableLength() ? (bricks + group - 1) / group * 32 : 0, f.pointerBits(), e + " case " + i);
                assertEquals(bricks * brick * 16, f.rawBits(), e + " case " + i);
            }
        }
    }

    @Test
    void theWindowSumByMultiplicityEqualsTheLoopOverWindows() {
        Random r = new Random(18);
        for (int i = 0; i < 300; i++) {
            RandomLayers.Case c = RandomLayers.next(r, i);
            ConvGeometry g = c.layer().geometry();
            Threshold t = r.nextBoolean() ? Threshold.zero(c.layer().inputFrac())
                    : new Threshold(r.nextDouble() * Math.scalb(3000.0, -c.layer().inputFrac()), c.layer().inputFrac());
            int brick = r.nextBoolean() ? 16 : 1 + r.nextInt(20);
            for (int group = 0; group < g.groups(); group++) {
                BrickMasks m = new BrickMasks(c.input().data(), g, group, brick, t);
                long loop = 0;
                long ones = 0;
                for (int oy = 0; oy < g.outY(); oy++) {
                    for (int ox = 0; ox < g.outX(); ox++) {
                        for (int offset : m.offsets) {
                            loop += Integer.bitCount(m.mask(m.corner(oy, ox) + offset));
                            ones++;
                        }
                    }
                }
                assertEquals(loop, m.windowSum(), "case " + i + " " + g + " group " + group);
                assertEquals(ones, m.windows() * m.offsets.length, "case " + i);
                // the masks themselves: bit (c mod brick) of brick (y, x, c / brick) is the threshold rule
                int cg = g.channelsPerGroup();
                short[] in = c.input().data();
                for (int ch = 0; ch < cg; ch++) {
                    for (int y = 0; y < g.height(); y++) {
                        for (int x = 0; x < g.width(); x++) {
                            boolean eff = !t.ineffectual(in[((group * cg + ch) * g.height() + y) * g.width() + x]);
                            int at = ((y + g.padTop()) * rowLength(g) + x + g.padLeft()) * ((cg + brick - 1) / brick)
                                    + ch / brick;
                            assertEquals(eff, (m.mask(at) >>> (ch % brick) & 1) == 1, "case " + i + " mask");
                        }
                    }
                }
            }
        }
    }

    private static int rowLength(ConvGeometry g) {
        return Math.max(g.padLeft() + g.width(), (g.outX() - 1) * g.strideX() + (g.kernelX() - 1) * g.dilationX() + 1);
    }
}
