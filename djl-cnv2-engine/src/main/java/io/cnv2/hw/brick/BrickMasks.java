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
     * counts[b][o]: over every window of the group, how many have the activation at offset o of
     * their brick b effectual, without visiting the windows: brick b's channel c at window (oy, ox)
     * sits on the grid at (oy sy + ky dy, ox sx + kx dx), so for each channel the windows sweep a
     * rectangle of one residue class (mod the strides) of the grid, summed from that class's prefix
     * sums. The weight reads of a weight-skipping pass are the dot product of these counts with the
     * pass's {@link PassMasks#column} (CNV2-MODEL.md section 5 item 4: one read per effectual
     * activation and non-zero weight), equal to the window loop's sum of {@link PassMasks#reads}
     * (WindowCountsTest).
     */
    public static long[][] windowCounts(short[] in, ConvGeometry g, int group, int brick, Threshold t) {
        int perPos = Bricks.ceilDiv(g.channelsPerGroup(), brick);
        long[][] counts = new long[g.kernelY() * g.kernelX() * perPos][brick];
        int rows = Math.max(g.padTop() + g.height(), (g.outY() - 1) * g.strideY() + (g.kernelY() - 1) * g.dilationY() + 1);
        int width = Math.max(g.padLeft() + g.width(),
                (g.outX() - 1) * g.strideX() + (g.kernelX() - 1) * g.dilationX() + 1);
        int sy = g.strideY();
        int sx = g.strideX();
        int ni = (rows + sy - 1) / sy;
        int nj = (width + sx - 1) / sx;
        // prefix[(ry sx + rx)][(i + 1) (nj + 1) + j + 1]: effectual values of class (ry, rx) in rows < i, columns < j
        int[][] prefix = new int[sy * sx][(ni + 1) * (nj + 1)];
        int plane = g.height() * g.width();
        int bound1 = t.bound() - 1;
        for (int c = 0; c < g.channelsPerGroup(); c++) {
            int base = (group * g.channelsPerGroup() + c) * plane;
            // each class's grid walked in order, its running sums written as it goes (row 0 and column 0 stay 0,
            // every other cell is written: no clearing, no division per value)
            for (int ry = 0; ry < sy; ry++) {
                for (int rx = 0; rx < sx; rx++) {
                    int[] pr = prefix[ry * sx + rx];
                    for (int i = 0; i < ni; i++) {
                        int y = i * sy + ry - g.padTop();
                        boolean inside = y >= 0 && y < g.height();
                        int row = 0;
                        int at = (i + 1) * (nj + 1) + 1;
                        for (int j = 0; j < nj; j++, at++) {
                            int x = j * sx + rx - g.padLeft();
                            if (inside && x >= 0 && x < g.width()) {
                                row += (bound1 - Math.abs(in[base + y * g.width() + x])) >>> 31;
                            }
                            pr[at] = pr[at - nj - 1] + row;
                        }
                    }
                }
            }
            for (int ky = 0; ky < g.kernelY(); ky++) {
                int qy = ky * g.dilationY() / sy;
                int ry = ky * g.dilationY() % sy;
                for (int kx = 0; kx < g.kernelX(); kx++) {
                    int qx = kx * g.dilationX() / sx;
                    int rx = kx * g.dilationX() % sx;
                    int[] pr = prefix[ry * sx + rx];
                    int i1 = qy + g.outY();
                    int j1 = qx + g.outX();
                    long n = pr[i1 * (nj + 1) + j1] - pr[qy * (nj + 1) + j1] - pr[i1 * (nj + 1) + qx] + pr[qy * (nj + 1) + qx];
                    counts[(ky * g.kernelX() + kx) * perPos + c / brick][c % brick] = n;
                }
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
