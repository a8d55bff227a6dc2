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
    /** Width of the zero-bordered grid of counts. */
    private final int paddedWidth;
    /** Counts per (padded row, padded column, channel brick); the border reads as 0, as padding does. */
    private final int[] counts;

    /** Counts the effectual activations of every brick of group {@code group} of {@code in} ([C][H][W]). */
    BrickCounts(short[] in, ConvGeometry g, int group, int brick, Threshold t) {
        this.g = g;
        this.brick = brick;
        this.perPos = Bricks.ceilDiv(g.channelsPerGroup(), brick);
        // rows and columns any window can reach, padding included
        int rows = Math.max(g.padTop() + g.height(), (g.outY() - 1) * g.strideY() + (g.kernelY() - 1) * g.dilationY() + 1);
        this.paddedWidth = Math.max(g.padLeft() + g.width(),
                (g.outX() - 1) * g.strideX() + (g.kernelX() - 1) * g.dilationX() + 1);
        this.counts = new int[rows * paddedWidth * perPos];
        int plane = g.height() * g.width();
        int c0 = group * g.channelsPerGroup();
        for (int c = 0; c < g.channelsPerGroup(); c++) {
            int base = (c0 + c) * plane;
            int cb = c / brick;
            for (int y = 0; y < g.height(); y++) {
                int src = base + y * g.width();
                int dst = ((y + g.padTop()) * paddedWidth + g.padLeft()) * perPos + cb;
                for (int x = 0; x < g.width(); x++) {
                    counts[dst + x * perPos] += t.ineffectual(in[src + x]) ? 0 : 1;
                }
            }
        }
    }

    /** Effectual activations met by {@link #cycles} so far. */
    private long effectual;
    private int[] laneTotal;
    /** Offset of every brick of a window, in storage order (ky, kx, channel-brick), from the window's corner. */
    private int[] offsets;

    private int[] offsets() {
        if (offsets == null) {
            int[] o = new int[g.kernelY() * g.kernelX() * perPos];
            int b = 0;
            for (int ky = 0; ky < g.kernelY(); ky++) {
                for (int kx = 0; kx < g.kernelX(); kx++) {
                    for (int cb = 0; cb < perPos; cb++) {
                        o[b++] = (ky * g.dilationY() * paddedWidth + kx * g.dilationX()) * perPos + cb;
                    }
                }
            }
            offsets = o;
        }
        return offsets;
    }

    /**
     * Cycles of window (oy, ox) on the lanes of one pass (CNV2-MODEL.md section 4): its bricks,
     * in storage order (ky, kx, channel-brick), are dealt to {@code lanes} lanes, brick b to
     * lane b mod lanes; with step synchronisation every step of {@code lanes} bricks takes
     * max(minStep, the most effectual activations in one of its bricks), with window
     * synchronisation the window takes max(minStep, the most any lane holds). Adds the
     * window's effectual activations to {@link #effectual()}.
     */
    long cycles(int oy, int ox, int lanes, int minStep, boolean windowSync) {
        int[] o = offsets();
        int base = (oy * g.strideY() * paddedWidth + ox * g.strideX()) * perPos;
        long sum = 0;
        if (windowSync) {
            if (laneTotal == null || laneTotal.length != lanes) {
                laneTotal = new int[lanes];
            }
            java.util.Arrays.fill(laneTotal, 0);
            for (int b = 0; b < o.length; b++) {
                int v = counts[base + o[b]];
                laneTotal[b % lanes] += v;
                sum += v;
            }
            int most = 0;
            for (int v : laneTotal) {
                most = Math.max(most, v);
            }
            effectual += sum;
            return Math.max(minStep, most);
        }
        long cycles = 0;
        for (int s = 0; s < o.length; s += lanes) {
            int most = 0;
            for (int b = s, end = Math.min(o.length, s + lanes); b < end; b++) {
                int v = counts[base + o[b]];
                most = Math.max(most, v);
                sum += v;
            }
            cycles += Math.max(minStep, most);
        }
        effectual += sum;
        return cycles;
    }

    long effectual() {
        return effectual;
    }

    int brickSize() {
        return brick;
    }
}
