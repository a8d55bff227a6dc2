package io.cnv2.hw.brick;

import io.cnv2.ir.ConvGeometry;

/**
 * The brick view of a layer's input (CNV2-MODEL.md section 3): a brick is {@code brickSize}
 * consecutive channels at one (y, x); a window (one output position) holds
 * {@code Ky * Kx * ceil(C / brickSize)} bricks in storage order (ky, kx, channel-brick). Bricks
 * in the zero padding around the input, and the channels past C of the last brick, read as 0.
 */
public final class Bricks {
    private Bricks() {
    }

    /** Bricks per window of one group: Ky * Kx * ceil(Cg / brickSize). */
    public static int perWindow(ConvGeometry g, int brickSize) {
        return g.kernelY() * g.kernelX() * ceilDiv(g.channelsPerGroup(), brickSize);
    }

    public static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * Fetches brick {@code b} of the window at (oy, ox) of group {@code group} from an input
     * stored [C][H][W] into {@code out[0..brickSize)}; returns the channel of lane 0 within the
     * group, or -1 when the whole brick lies in the padding (then {@code out} is all zero).
     */
    public static int fetch(short[] input, ConvGeometry g, int group, int oy, int ox, int b, int brickSize,
                            short[] out) {
        int cg = g.channelsPerGroup();
        int perPos = ceilDiv(cg, brickSize);
        int cb = b % perPos;
        int kx = (b / perPos) % g.kernelX();
        int ky = b / perPos / g.kernelX();
        int iy = oy * g.strideY() - g.padTop() + ky * g.dilationY();
        int ix = ox * g.strideX() - g.padLeft() + kx * g.dilationX();
        java.util.Arrays.fill(out, 0, brickSize, (short) 0);
        if (iy < 0 || iy >= g.height() || ix < 0 || ix >= g.width()) {
            return -1;
        }
        int c0 = cb * brickSize;
        int plane = g.height() * g.width();
        int base = (group * cg) * plane + iy * g.width() + ix;
        for (int l = 0; l < brickSize && c0 + l < cg; l++) {
            out[l] = input[base + (c0 + l) * plane];
        }
        return c0;
    }

    /** Kernel row of brick {@code b} (storage order ky, kx, channel-brick). */
    public static int kernelY(ConvGeometry g, int b, int brickSize) {
        return b / ceilDiv(g.channelsPerGroup(), brickSize) / g.kernelX();
    }

    /** Kernel column of brick {@code b}. */
    public static int kernelX(ConvGeometry g, int b, int brickSize) {
        return (b / ceilDiv(g.channelsPerGroup(), brickSize)) % g.kernelX();
    }

    /** Index of weight (filter k, channel c within the group, ky, kx) in a layer's [K][C/groups][Ky][Kx] weights. */
    public static int weightIndex(ConvGeometry g, int k, int c, int ky, int kx) {
        return ((k * g.channelsPerGroup() + c) * g.kernelY() + ky) * g.kernelX() + kx;
    }
}
