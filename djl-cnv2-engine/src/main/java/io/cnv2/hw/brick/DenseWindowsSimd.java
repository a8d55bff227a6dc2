package io.cnv2.hw.brick;

import io.cnv2.hw.QLayer;
import io.cnv2.ir.ConvGeometry;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The window sums of a conv layer whose input is mostly effectual (the first layer's image, or a
 * layer with few channels), as a register-blocked direct convolution: a tile of {@link #P}
 * output positions of one row times {@link #F} filters stays in vector accumulators (eight, or 20 with {@link #FIVE}) while
 * every (channel, kernel row, kernel column) of the window passes, each weight vector loaded once
 * for the {@code P} positions and each activation broadcast once for the {@code F} filters. Zero
 * activations are multiplied like any other: a zero product leaves an integer sum unchanged
 * (CNV2-MODEL.md section 4, rule 7), so the sums are the sparse kernel's bits, and the products
 * and partial sums are the exact integers of {@link WindowSums} (double FMA, fan-in below
 * 2^23). Loaded only when {@link io.cnv2.Simd#enabled()}.
 */
final class DenseWindowsSimd {
    private static final VectorSpecies<Double> V = DoubleVector.SPECIES_PREFERRED;
    /**
     * Whether tiles are five positions of four vectors of filters: 20 accumulators, which only a
     * machine with 32 vector registers holds (AVX-512, eight doubles a vector). Per (channel,
     * kernel row, kernel column) a tile then loads four weight vectors and five activations for 20
     * multiply-adds, against two and four for eight: on ResNet's first layer (3 channels, 7x7,
     * stride 2) 2.5-2.7 against 4.05 ms for the products (Zen 5). Six positions (24 accumulators,
     * 30 registers live with the weights and two broadcasts) left C2's register allocator no room:
     * in about half of the JVMs it spilled accumulators to the stack inside the loop, and the layer's
     * products took 5.0 ms instead of 3.0 (issue #23). Elsewhere (sixteen registers) four positions
     * of two vectors.
     */
    static final boolean FIVE = V.length() >= 8;
    /** Output positions per tile. */
    static final int P = FIVE ? 5 : 4;
    /** Filters per tile: four vectors, or two. */
    static final int F = (FIVE ? 4 : 2) * V.length();

    private DenseWindowsSimd() {
    }

    /** Filter tiles of a group. */
    static int tiles(ConvGeometry g) {
        return (g.filtersPerGroup() + F - 1) / F;
    }

    /**
     * Weights as doubles [group][tile][c][ky][kx][F]: one window's weights for a tile are one
     * contiguous run, read front to back; filters past the group's count are zero.
     */
    static double[] pack(QLayer layer) {
        ConvGeometry g = layer.geometry();
        int cg = g.channelsPerGroup();
        int kg = g.filtersPerGroup();
        int taps = g.kernelY() * g.kernelX();
        int tiles = tiles(g);
        double[] w = new double[g.groups() * tiles * cg * taps * F];
        short[] q = layer.weights();
        for (int k = 0; k < g.filters(); k++) {
            int group = k / kg;
            int kk = k % kg;
            int base = (group * tiles + kk / F) * cg * taps * F + kk % F;
            for (int i = 0; i < cg * taps; i++) {
                w[base + i * F] = q[k * cg * taps + i];
            }
        }
        return w;
    }

    /** Rows of the zero-bordered input grid the windows read. */
    static int rows(ConvGeometry g) {
        return (g.outY() - 1) * g.strideY() + (g.kernelY() - 1) * g.dilationY() + 1;
    }

    /**
     * Columns of each phase of the grid: grid column {@code gx} lies in phase {@code gx % sx} at
     * {@code gx / sx}, so that the P positions of a tile, {@code sx} apart on the input, read P
     * consecutive values of one phase. Every tile of P positions reads inside it, the last tile included.
     */
    static int columns(ConvGeometry g) {
        return tiledWidth(g) + (g.kernelX() - 1) * g.dilationX() / g.strideX();
    }

    /** Positions a row's tiles compute: the row's, rounded up to whole tiles (the last one's extra are dropped). */
    static int tiledWidth(ConvGeometry g) {
        return (g.outX() + P - 1) / P * P;
    }

    /** Doubles of the grid of one group: [c][rows][sx phases][{@link #columns}]. */
    static int gridSize(ConvGeometry g) {
        return g.channelsPerGroup() * rows(g) * g.strideX() * columns(g);
    }

    /**
     * The group's input as doubles on the zero-bordered grid [c][rows][phase][columns] the windows
     * read, each row split by column into its {@code sx} phases (padding is zero, values outside
     * every window are left out).
     */
    static void grid(ConvGeometry g, short[] in, int group, double[] xp) {
        int cg = g.channelsPerGroup();
        int rows = rows(g);
        int cols = columns(g);
        int sx = g.strideX();
        java.util.Arrays.fill(xp, 0, gridSize(g), 0);
        int plane = g.height() * g.width();
        int y1 = Math.min(g.height(), rows - g.padTop());
        int x0 = Math.max(0, -g.padLeft());
        int y0 = Math.max(0, -g.padTop());
        int x1 = Math.min(g.width(), cols * sx - g.padLeft());
        for (int c = 0; c < cg; c++) {
            int src = (group * cg + c) * plane;
            for (int y = y0; y < y1; y++) {
                int to = (c * rows + y + g.padTop()) * sx * cols;
                int from = src + y * g.width();
                // grid column gx = x + padLeft: phase gx % sx, place gx / sx, kept without a division per value
                int phase = (x0 + g.padLeft()) % sx;
                int at = to + phase * cols + (x0 + g.padLeft()) / sx;
                for (int x = x0; x < x1; x++) {
                    xp[at] = in[from + x];
                    if (++phase == sx) {
                        phase = 0;
                        at += 1 - (sx - 1) * cols;
                    } else {
                        at += cols;
                    }
                }
            }
        }
    }

    /**
     * The sums of every filter tile of the group at every position into
     * {@code acc[(k / nb) * positions * nb + p * nb + k % nb]} (k the filter within the group), the
     * layout {@link WindowSums} hands to its sink.
     */
    static void sums(ConvGeometry g, double[] xp, double[] w, int w0, double[] acc, int nb) {
        int cg = g.channelsPerGroup();
        int kh = g.kernelY();
        int kw = g.kernelX();
        int sx = g.strideX();
        int rows = rows(g);
        int cols = columns(g);
        int taps = cg * kh * kw;
        // where each (channel, kernel row, kernel column) of a window sits on the grid, from the window's
        // corner: its row, the phase of its column and its place in the phase (the corner is in phase 0)
        int[] offsets = new int[taps];
        for (int c = 0, i = 0; c < cg; c++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++, i++) {
                    int gx = kx * g.dilationX();
                    offsets[i] = ((c * rows + ky * g.dilationY()) * sx + gx % sx) * cols + gx / sx;
                }
            }
        }
        int positions = g.outY() * g.outX();
        int tiles = tiles(g);
        for (int tile = 0; tile < tiles; tile++) {
            int wt = w0 + tile * taps * F;
            int k = tile * F;
            int a0 = (k / nb) * positions * nb + k % nb;
            for (int oy = 0; oy < g.outY(); oy++) {
                int row = oy * g.strideY() * sx * cols;
                for (int ox0 = 0; ox0 < g.outX(); ox0 += P) {
                    if (FIVE) {
                        tileFive(xp, row + ox0, offsets, w, wt, acc, a0 + (oy * g.outX() + ox0) * nb, nb,
                                Math.min(P, g.outX() - ox0));
                    } else {
                        tile(xp, row + ox0, offsets, w, wt, acc, a0 + (oy * g.outX() + ox0) * nb, nb,
                                Math.min(P, g.outX() - ox0));
                    }
                }
            }
        }
    }

    /**
     * One tile: P positions (the first at grid index {@code corner}, the next ones after it: their
     * columns are {@code sx} apart on the input, adjacent in one phase of the grid) times
     * F filters, over every tap; the accumulators stay in registers over the loop (a method of its
     * own, one loop, so that the compiler keeps the vectors unboxed). Positions past {@code n} lie
     * on the grid's border and are dropped.
     */
    private static void tile(double[] xp, int corner, int[] offsets, double[] w, int wt, double[] acc,
                             int p, int nb, int n) {
        int v = V.length();
        DoubleVector s00 = DoubleVector.zero(V);
        DoubleVector s01 = DoubleVector.zero(V);
        DoubleVector s10 = DoubleVector.zero(V);
        DoubleVector s11 = DoubleVector.zero(V);
        DoubleVector s20 = DoubleVector.zero(V);
        DoubleVector s21 = DoubleVector.zero(V);
        DoubleVector s30 = DoubleVector.zero(V);
        DoubleVector s31 = DoubleVector.zero(V);
        int wi = wt;
        for (int i = 0; i < offsets.length; i++, wi += F) {
            int xi = corner + offsets[i];
            DoubleVector w0 = DoubleVector.fromArray(V, w, wi);
            DoubleVector w1 = DoubleVector.fromArray(V, w, wi + v);
            DoubleVector x = DoubleVector.broadcast(V, xp[xi]);
            s00 = x.fma(w0, s00);
            s01 = x.fma(w1, s01);
            x = DoubleVector.broadcast(V, xp[xi + 1]);
            s10 = x.fma(w0, s10);
            s11 = x.fma(w1, s11);
            x = DoubleVector.broadcast(V, xp[xi + 2]);
            s20 = x.fma(w0, s20);
            s21 = x.fma(w1, s21);
            x = DoubleVector.broadcast(V, xp[xi + 3]);
            s30 = x.fma(w0, s30);
            s31 = x.fma(w1, s31);
        }
        s00.intoArray(acc, p);
        s01.intoArray(acc, p + v);
        if (n > 1) {
            s10.intoArray(acc, p + nb);
            s11.intoArray(acc, p + nb + v);
        }
        if (n > 2) {
            s20.intoArray(acc, p + 2 * nb);
            s21.intoArray(acc, p + 2 * nb + v);
        }
        if (n > 3) {
            s30.intoArray(acc, p + 3 * nb);
            s31.intoArray(acc, p + 3 * nb + v);
        }
    }

    /** {@link #tile} for five positions of four vectors of filters ({@link #FIVE}). */
    private static void tileFive(double[] xp, int corner, int[] offsets, double[] w, int wt, double[] acc,
                                int p, int nb, int n) {
        int v = V.length();
        DoubleVector z = DoubleVector.zero(V);
        DoubleVector a0 = z, a1 = z, a2 = z, a3 = z, b0 = z, b1 = z, b2 = z, b3 = z, c0 = z, c1 = z, c2 = z, c3 = z;
        DoubleVector d0 = z, d1 = z, d2 = z, d3 = z, e0 = z, e1 = z, e2 = z, e3 = z;
        int wi = wt;
        for (int i = 0; i < offsets.length; i++, wi += F) {
            int xi = corner + offsets[i];
            DoubleVector w0 = DoubleVector.fromArray(V, w, wi);
            DoubleVector w1 = DoubleVector.fromArray(V, w, wi + v);
            DoubleVector w2 = DoubleVector.fromArray(V, w, wi + 2 * v);
            DoubleVector w3 = DoubleVector.fromArray(V, w, wi + 3 * v);
            DoubleVector x = DoubleVector.broadcast(V, xp[xi]);
            a0 = x.fma(w0, a0);
            a1 = x.fma(w1, a1);
            a2 = x.fma(w2, a2);
            a3 = x.fma(w3, a3);
            x = DoubleVector.broadcast(V, xp[xi + 1]);
            b0 = x.fma(w0, b0);
            b1 = x.fma(w1, b1);
            b2 = x.fma(w2, b2);
            b3 = x.fma(w3, b3);
            x = DoubleVector.broadcast(V, xp[xi + 2]);
            c0 = x.fma(w0, c0);
            c1 = x.fma(w1, c1);
            c2 = x.fma(w2, c2);
            c3 = x.fma(w3, c3);
            x = DoubleVector.broadcast(V, xp[xi + 3]);
            d0 = x.fma(w0, d0);
            d1 = x.fma(w1, d1);
            d2 = x.fma(w2, d2);
            d3 = x.fma(w3, d3);
            x = DoubleVector.broadcast(V, xp[xi + 4]);
            e0 = x.fma(w0, e0);
            e1 = x.fma(w1, e1);
            e2 = x.fma(w2, e2);
            e3 = x.fma(w3, e3);
        }
        a0.intoArray(acc, p);
        a1.intoArray(acc, p + v);
        a2.intoArray(acc, p + 2 * v);
        a3.intoArray(acc, p + 3 * v);
        if (n > 1) {
            b0.intoArray(acc, p + nb);
            b1.intoArray(acc, p + nb + v);
            b2.intoArray(acc, p + nb + 2 * v);
            b3.intoArray(acc, p + nb + 3 * v);
        }
        if (n > 2) {
            c0.intoArray(acc, p + 2 * nb);
            c1.intoArray(acc, p + 2 * nb + v);
            c2.intoArray(acc, p + 2 * nb + 2 * v);
            c3.intoArray(acc, p + 2 * nb + 3 * v);
        }
        if (n > 3) {
            d0.intoArray(acc, p + 3 * nb);
            d1.intoArray(acc, p + 3 * nb + v);
            d2.intoArray(acc, p + 3 * nb + 2 * v);
            d3.intoArray(acc, p + 3 * nb + 3 * v);
        }
        if (n > 4) {
            e0.intoArray(acc, p + 4 * nb);
            e1.intoArray(acc, p + 4 * nb + v);
            e2.intoArray(acc, p + 4 * nb + 2 * v);
            e3.intoArray(acc, p + 4 * nb + 3 * v);
        }
    }
}
