package io.cnv2.hw;

import io.cnv2.ir.ConvGeometry;

/**
 * Effectual activations per brick of one group's input, and per brick of each window, for the
 * analytic timing of the fast paths (CNV2-MODEL.md sections 3 and 4). The reference paths do
 * not use this: they count lane by lane.
 */
final class BrickCounts {
    private final ConvGeometry g;
    private final int brick;
    private final int perPos;
    private final int[] counts;

    /** Counts the effectual activations of every brick of group {@code group} of {@code in} ([C][H][W]). */
    BrickCounts(short[] in, ConvGeometry g, int group, int brick, Threshold t) {
        this.g = g;
        this.brick = brick;
        this.perPos = Bricks.ceilDiv(g.channelsPerGroup(), brick);
        this.counts = new int[g.height() * g.width() * perPos];
        int plane = g.height() * g.width();
        int c0 = group * g.channelsPerGroup();
        for (int c = 0; c < g.channelsPerGroup(); c++) {
            int base = (c0 + c) * plane;
            int cb = c / brick;
            for (int p = 0; p < plane; p++) {
                if (!t.ineffectual(in[base + p])) {
                    counts[p * perPos + cb]++;
                }
            }
        }
    }

    /** The effectual counts of the bricks of window (oy, ox), in storage order (ky, kx, channel-brick). */
    void window(int oy, int ox, int[] out) {
        int b = 0;
        for (int ky = 0; ky < g.kernelY(); ky++) {
            int iy = oy * g.strideY() - g.padTop() + ky * g.dilationY();
            for (int kx = 0; kx < g.kernelX(); kx++) {
                int ix = ox * g.strideX() - g.padLeft() + kx * g.dilationX();
                boolean inside = iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width();
                int base = (iy * g.width() + ix) * perPos;
                for (int cb = 0; cb < perPos; cb++) {
                    out[b++] = inside ? counts[base + cb] : 0;
                }
            }
        }
    }

    int bricksPerWindow() {
        return g.kernelY() * g.kernelX() * perPos;
    }

    int brickSize() {
        return brick;
    }
}
