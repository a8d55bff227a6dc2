package io.cnv2.hw.timing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cnv2.hw.Threshold;
import io.cnv2.ir.ConvGeometry;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The lane streams of {@link Isca2016Chunks} (CNV2-MODEL.md section 4a, rules 1 and 2): a window's
 * stream built from the output row's band of fields (read once per row) equals the one read field
 * by field from the bit planes, and both equal the stream written out entry by entry from
 * {@link LaneStreams}' order, on random layers (channels to 1500, few channels on maps to 100 rows, both stream orders, kernels to 7, strides, padding,
 * dilation, thresholds).
 */
class LanePlanesTest {
    @Test
    void bandedStreamsEqualFieldByFieldStreamsAndTheRule() {
        Random r = new Random(2316);
        int banded = 0;
        for (int i = 0; i < 400; i++) {
            int c = 1 + r.nextInt(r.nextBoolean() ? 40 : r.nextInt(8) == 0 ? 1500 : 600);
            int ky = 1 + r.nextInt(7);
            int kx = 1 + r.nextInt(7);
            int dy = r.nextInt(4) == 0 ? 2 : 1;
            int dx = r.nextInt(4) == 0 ? 2 : 1;
            // every 10th: few channels on a tall map, so the few-channel gather's blocks of rows (32 bits
            // of a column each) end mid-word and mid-map
            boolean tall = i % 10 == 3;
            if (tall) {
                c = 1 + r.nextInt(15);
            }
            int h = (ky - 1) * dy + 1 + r.nextInt(tall ? 90 : 6);
            int w = (kx - 1) * dx + 1 + r.nextInt(6);
            int stride = 1 + r.nextInt(2);
            int pad = r.nextInt(3);
            ConvGeometry g = new ConvGeometry(c, h, w, 16, ky, kx, stride, stride, pad, pad, pad, pad, dy, dx, 1);
            short[] in = new short[c * h * w];
            double zeros = r.nextDouble();
            for (int k = 0; k < in.length; k++) {
                in[k] = r.nextDouble() < zeros ? 0 : (short) (r.nextInt(200) - 100);
            }
            Threshold t = r.nextBoolean() ? Threshold.zero(4) : Threshold.inUnits(r.nextInt(40), 1);
            int lanes = 16;
            int slice = (c + lanes - 1) / lanes;
            int real = Math.min(lanes, (c + slice - 1) / slice);
            boolean columnMajor = r.nextInt(4) != 0;
            Isca2016Chunks.LanePlanes planes = new Isca2016Chunks.LanePlanes(in, g, 0, slice, real, t, columnMajor);
            io.cnv2.config.Isca2016Profile p = new io.cnv2.config.Isca2016Profile("channel-slices",
                    columnMajor ? "kx-ky-c" : "ky-kx-c", 16, 3, 2, "inner", 8, 2, "memory-tiles-lanes", "packed-256");
            LaneStreams s = new LaneStreams(g, lanes, p);
            long[] a = new long[(s.length >>> 6) + 2];
            long[] b = new long[(s.length >>> 6) + 2];
            banded += planes.banded ? 1 : 0;
            for (int oy = 0; oy < g.outY(); oy++) {
                if (planes.banded) {
                    planes.band(oy * stride);
                }
                for (int ox = 0; ox < g.outX(); ox++) {
                    for (int l = 0; l < real; l++) {
                        planes.stream(l, oy * stride, ox * stride, a);
                        if (planes.banded) {
                            planes.bandStream(l, ox * stride, b);
                        }
                        for (int e = 0; e < s.length; e++) {
                            int ch = s.channel(l, e);
                            int y = oy * stride + s.kernelY(e) * dy - pad;
                            int x = ox * stride + s.kernelX(e) * dx - pad;
                            boolean eff = ch < c && y >= 0 && y < h && x >= 0 && x < w
                                    && !t.ineffectual(in[(ch * h + y) * w + x]);
                            boolean fromPlanes = (a[e >>> 6] >>> (e & 63) & 1) != 0;
                            boolean fromBand = !planes.banded || (b[e >>> 6] >>> (e & 63) & 1) != 0;
                            if (fromPlanes != eff || (planes.banded && fromBand != eff)) {
                                throw new AssertionError("case " + i + " " + g + " lane " + l + " window " + oy + ","
                                        + ox + " entry " + e + ": rule " + eff + ", planes " + fromPlanes + ", band " + fromBand);
                            }
                        }
                    }
                }
            }
        }
        assertTrue(banded > 100 && banded < 350, "both ways met: " + banded);
    }

    /**
     * The per-group window sums that {@link Isca2016Chunks} counts from the chunks equal
     * {@link io.cnv2.hw.brick.BrickMasks#windowSum} (which the bookkeeping used before), and the
     * cycles do not change for asking, on random layers (groups, strides, dilation, padding,
     * thresholds) under random stream orders, chunk sizes and pass orders, with and without weight
     * skipping.
     */
    @Test
    void chunkWindowSumsEqualBrickWindowSums() {
        Random r = new Random(2317);
        for (int i = 0; i < 300; i++) {
            io.cnv2.hw.RandomLayers.Case c = io.cnv2.hw.RandomLayers.next(r, i);
            ConvGeometry g = c.layer().geometry();
            io.cnv2.config.Isca2016Profile p = new io.cnv2.config.Isca2016Profile("channel-slices",
                    r.nextBoolean() ? "kx-ky-c" : "ky-kx-c", 1 + r.nextInt(64), 3, 2, r.nextBoolean() ? "inner" : "outer",
                    8, 2, "memory-tiles-lanes", "packed-256");
            Threshold t = r.nextBoolean() ? Threshold.zero(c.input().frac()) : Threshold.inUnits(r.nextInt(30), 1);
            int perPass = r.nextBoolean() ? 256 : 16;
            boolean skip = r.nextBoolean();
            short[] in = c.input().data();
            long[] sums = new long[g.groups()];
            long with = Isca2016Chunks.cycles(c.layer(), in, t, 16, perPass, p, skip, sums);
            long without = Isca2016Chunks.cycles(c.layer(), in, t, 16, perPass, p, skip);
            if (with != without) {
                throw new AssertionError("case " + i + " cycles " + with + " != " + without);
            }
            for (int group = 0; group < g.groups(); group++) {
                long bricks = new io.cnv2.hw.brick.BrickMasks(in, g, group, 16, t).windowSum();
                if (bricks != sums[group]) {
                    throw new AssertionError("case " + i + " " + g + " " + p + " group " + group + ": chunks "
                            + sums[group] + ", bricks " + bricks);
                }
            }
        }
    }
}
