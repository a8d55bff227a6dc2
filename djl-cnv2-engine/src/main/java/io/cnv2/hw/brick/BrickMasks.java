package io.cnv2.hw.brick;

import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;

import io.cnv2.ir.ConvGeometry;

/**
 * Which activations of every brick are effectual, as 16-bit masks (bit o = channel offset o),
 * on a zero-bordered grid so a window reads its bricks without bounds checks; and, per pass of
 * filters, which weights each filter has non-zero at every brick position of the window. The
 * fast Cnvlutin2 path times weight skipping from these (CNV2-MODEL.md section 5, item 4): a
 * filter lane's work on a brick is popcount(activation mask & weight mask).
 */
public final class BrickMasks {
    private final ConvGeometry g;
    private final int perPos;
    private final int paddedWidth;
    private final int rows;
    private final int[] masks;
    /** Offset of every brick of a window, storage order (ky, kx, channel-brick), from the window's corner. */
    public final int[] offsets;

    public BrickMasks(short[] in, ConvGeometry g, int group, int brick, Threshold t) {
        this.g = g;
        this.perPos = Bricks.ceilDiv(g.channelsPerGroup(), brick);
        this.rows = Math.max(g.padTop() + g.height(), (g.outY() - 1) * g.strideY() + (g.kernelY() - 1) * g.dilationY() + 1);
        this.paddedWidth = Math.max(g.padLeft() + g.width(),
                (g.outX() - 1) * g.strideX() + (g.kernelX() - 1) * g.dilationX() + 1);
        this.masks = new int[rows * paddedWidth * perPos];
        int plane = g.height() * g.width();
        int c0 = group * g.channelsPerGroup();
        for (int c = 0; c < g.channelsPerGroup(); c++) {
            int base = (c0 + c) * plane;
            int cb = c / brick;
            int shift = c % brick;
            int bound = t.bound(); // Threshold.ineffectual as one compare
            for (int y = 0; y < g.height(); y++) {
                int dst = ((y + g.padTop()) * paddedWidth + g.padLeft()) * perPos + cb;
                int src = base + y * g.width();
                for (int x = 0; x < g.width(); x++) {
                    masks[dst + x * perPos] |= (Math.abs(in[src + x]) >= bound ? 1 : 0) << shift;
                }
            }
        }
        this.offsets = new int[g.kernelY() * g.kernelX() * perPos];
        int b = 0;
        for (int ky = 0; ky < g.kernelY(); ky++) {
            for (int kx = 0; kx < g.kernelX(); kx++) {
                for (int cb = 0; cb < perPos; cb++) {
                    offsets[b++] = (ky * g.dilationY() * paddedWidth + kx * g.dilationX()) * perPos + cb;
                }
            }
        }
    }

    /** Index of window (oy, ox)'s corner; brick b of the window is {@code mask(corner + offsets[b])}. */
    public int corner(int oy, int ox) {
        return (oy * g.strideY() * paddedWidth + ox * g.strideX()) * perPos;
    }

    public int mask(int i) {
        return masks[i];
    }

    /**
     * The sum over every window and every brick of the window of the brick's effectual count,
     * without visiting the windows: a grid brick at (y, x) is met by as many windows as there
     * are (oy, ky) with oy strideY + ky dilationY = y times (ox, kx) likewise for x, so the sum
     * is that multiplicity times the brick's popcount, over the grid. Equal to the window loop
     * (BrickMasksTest).
     */
    public long windowSum() {
        long[] my = multiplicity(rows, g.outY(), g.strideY(), g.kernelY(), g.dilationY());
        long[] mx = multiplicity(paddedWidth, g.outX(), g.strideX(), g.kernelX(), g.dilationX());
        long sum = 0;
        for (int y = 0; y < rows; y++) {
            if (my[y] == 0) {
                continue;
            }
            long row = 0;
            int i = y * paddedWidth * perPos;
            for (int x = 0; x < paddedWidth; x++, i += perPos) {
                if (mx[x] != 0) {
                    int n = 0;
                    for (int cb = 0; cb < perPos; cb++) {
                        n += Integer.bitCount(masks[i + cb]);
                    }
                    row += mx[x] * n;
                }
            }
            sum += my[y] * row;
        }
        return sum;
    }

    /**
     * counts[(ky kx_total + kx) perPos + c / brick][c % brick]: how many windows of the layer have
     * their value of channel c at tap (ky, kx) effectual (the SB reads of weight skipping are linear
     * in these, {@link PassMasks#reads(long[][])}). The input's effectual values are one bit string
     * (a vector compare per 32 values with the Vector API), read a row at a time; a kernel column kx
     * reads, over the output columns, a fixed set of input columns, so a row's count for tap
     * (ky, kx) is popcount(row &amp; columns[kx]), added for every kernel row ky that reads the input
     * row in some output row (y + padTop - ky dilationY a multiple of strideY in range). Windows
     * whose tap falls in the padding read zeros, which are never effectual. Equal to the loop over
     * every window and brick (WindowCountsTest), scalar and vector.
     */
    public static long[][] windowCounts(short[] in, ConvGeometry g, int group, int brick, Threshold t) {
        int perPos = Bricks.ceilDiv(g.channelsPerGroup(), brick);
        int kh = g.kernelY();
        int kw = g.kernelX();
        long[][] counts = new long[kh * kw * perPos][brick];
        int width = g.width();
        int words = (width + 63) >>> 6;
        // the input columns each kernel column reads over the output columns
        long[] columns = new long[kw * words];
        for (int kx = 0; kx < kw; kx++) {
            for (int ox = 0; ox < g.outX(); ox++) {
                int x = ox * g.strideX() + kx * g.dilationX() - g.padLeft();
                if (x >= 0 && x < width) {
                    columns[kx * words + (x >>> 6)] |= 1L << x;
                }
            }
        }
        // reads[y kh + ky]: kernel row ky reads input row y in some output row
        boolean[] reads = new boolean[g.height() * kh];
        for (int ky = 0; ky < kh; ky++) {
            for (int oy = 0; oy < g.outY(); oy++) {
                int y = oy * g.strideY() + ky * g.dilationY() - g.padTop();
                if (y >= 0 && y < g.height()) {
                    reads[y * kh + ky] = true;
                }
            }
        }
        int plane = g.height() * width;
        int cg = g.channelsPerGroup();
        // the group's effectual values as one bit string (bit c plane + y width + x), compared a vector
        // at a time over every channel at once: rows of ResNet's 28, 14 and 7 values would be mostly
        // tails one row at a time
        long[] bits = PixelBits.planar(in, group * cg * plane, cg * plane, t.bound());
        long[] row = new long[words];
        long[] n = new long[kh * kw];
        for (int c = 0; c < cg; c++) {
            java.util.Arrays.fill(n, 0);
            for (int y = 0; y < g.height(); y++) {
                int at = c * plane + y * width;
                for (int w = 0; w < words; w++) {
                    row[w] = Bits.get(bits, 0, at + 64 * w, Math.min(64, width - 64 * w));
                }
                for (int ky = 0; ky < kh; ky++) {
                    if (!reads[y * kh + ky]) {
                        continue;
                    }
                    for (int kx = 0; kx < kw; kx++) {
                        long k = 0;
                        for (int w = 0, cw = kx * words; w < words; w++, cw++) {
                            k += Long.bitCount(row[w] & columns[cw]);
                        }
                        n[ky * kw + kx] += k;
                    }
                }
            }
            for (int tap = 0; tap < kh * kw; tap++) {
                counts[tap * perPos + c / brick][c % brick] = n[tap];
            }
        }
        return counts;
    }

    /** Windows of the layer's group: outY outX. */
    public long windows() {
        return (long) g.outY() * g.outX();
    }

    /** Per grid line: how many (output, kernel) index pairs land on it. */
    private static long[] multiplicity(int lines, int out, int stride, int kernel, int dilation) {
        long[] m = new long[lines];
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < kernel; k++) {
                m[o * stride + k * dilation]++;
            }
        }
        return m;
    }

    /**
     * Non-zero weight masks [filter within pass][brick of the window] of filters
     * {@code first .. first + count - 1} of group {@code group}.
     */
    public static int[][] weightMasks(QLayer layer, int group, int first, int count, int brick) {
        ConvGeometry g = layer.geometry();
        int cg = g.channelsPerGroup();
        int perPos = Bricks.ceilDiv(cg, brick);
        int nb = g.kernelY() * g.kernelX() * perPos;
        int[][] m = new int[count][nb];
        short[] w = layer.weights();
        for (int f = 0; f < count; f++) {
            int k = group * g.filtersPerGroup() + first + f;
            for (int ky = 0; ky < g.kernelY(); ky++) {
                for (int kx = 0; kx < g.kernelX(); kx++) {
                    for (int c = 0; c < cg; c++) {
                        if (w[Bricks.weightIndex(g, k, c, ky, kx)] != 0) {
                            m[f][(ky * g.kernelX() + kx) * perPos + c / brick] |= 1 << (c % brick);
                        }
                    }
                }
            }
        }
        return m;
    }
}
