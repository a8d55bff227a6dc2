package io.cnv2.hw.brick;

import io.cnv2.hw.QLayer;
import io.cnv2.ir.ConvGeometry;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Exact window sums of a 3x3, stride-1, undilated layer by Winograd's F(4x4, 3x3) (Lavin and Gray,
 * CVPR 2016, points 0, 1, -1, 2, -2 and infinity): each 4x4 tile of outputs takes 36 products per
 * channel and filter, against 64 for F(2x2, 3x3)'s four tiles ({@link WinogradSums}) and 144 direct.
 * The same exact integers as every other kernel (CNV2-MODEL.md section 2, rule 3: the sums are
 * integers, and how the emulator adds them up is not the hardware's business); chosen for speed only
 * ({@link WindowSums}).
 *
 * <p>Exactness, with a = |activation| and w = |weight| at most 2^15:
 * <ul>
 * <li>Weights: U'' = R g R^T with R = D G = [[1,0,0],[-1,-1,-1],[-1,1,-1],[1,2,4],[1,-2,4],[0,0,1]]
 * (D = diag(4, 6, 6, 24, 24, 1) clears G's fractions), integers of at most 49 w.</li>
 * <li>Inputs: V = B^T d B, integers of at most 100 a.</li>
 * <li>Products and sums: entry (i, j) of U'' V is at most (r_i s_i)(r_j s_j) a w, r s = (10, 30,
 * 30, 42, 42, 10) (the rows' absolute sums of R and B^T), so at most 1764 * 2^30 < 2^41; over at
 * most {@link #MAX_CHANNELS} channels every partial sum M'' stays below 2^51.</li>
 * <li>Outputs: 576 y = A'^T M'' A' with A'^T = A^T E, E = 24 D^-1 = diag(6, 4, 4, 1, 1, 24),
 * integer rows of absolute sums at most 48. That gain (48^2 < 2^12) would carry M'' past 2^53, so
 * each M'' is first split exactly into H * 2^32 + L (|H| < 2^20, |L| <= 2^31); A'^T . A' of each
 * part stays below 2^44, and 576 y = H' * 2^32 + L' is one fused multiply-add whose exact result,
 * below 576 * 9 * 2^30 * channels < 2^53, is representable. (576 y) * fl(1/576) is then within
 * 2^-8 of y (|y| < 2^44), and rounding it to an integer gives y exactly ({@link #join}).</li>
 * </ul>
 *
 * <p>Work as in {@link WinogradSums}: the input padded and laid out channels innermost, each
 * tile's transform vectorised over channels; 36 matrix products (tiles x channels) x (channels x
 * filters) in {@link WinogradSums#block}'s register blocks; bands of tiles whose sums stay in L2.
 * Where it reads fewer bytes from beyond L2 ({@link #bandLocal}: ResNet-18's 56x56 layers, whose
 * transformed inputs and sums are 3.7 MB each), each band's inputs are transformed just before its
 * products, so they stay in L2 too, at the cost of reading the transformed weights once per band
 * (ResNet-18 per image 3-5 % faster on Zen 4, issue #23).
 * Its transformed weights are four times the direct ones' bytes, so it is chosen only where they
 * stay small ({@link WindowSums}). Loaded only when {@link io.cnv2.Simd#enabled()}.
 */
final class Winograd4Sums {
    private static final VectorSpecies<Double> V = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> LV = V.withLanes(long.class);
    private static final int L = V.length();
    private static final int T = WinogradSums.T;
    private static final int FB = WinogradSums.FB;
    /** Transformed positions of a tile: 6 x 6. */
    private static final int N2 = 36;
    /** Channels a group may have for every value above to stay exact (576 * 9 * 2^30 * channels < 2^53). */
    static final int MAX_CHANNELS = 1024;
    private static final double SPLIT = 0x1p32;
    private static final double UNSPLIT = 0x1p-32;
    /** 1.5 * 2^52: adding and subtracting it rounds a double below 2^51 in magnitude to an integer. */
    private static final double RINT_MAGIC = 0x1.8p52;

    /** Transformed weights of each layer, [group][xi][block of FB filters][c][FB], built once per layer. */
    private static final Map<QLayer, double[]> WEIGHTS = Collections.synchronizedMap(new WeakHashMap<>());
    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[4][0]);

    private Winograd4Sums() {
    }

    /** Whether this kernel computes the layer: {@link WinogradSums#suits}, and few enough channels for exactness. */
    static boolean suits(ConvGeometry g) {
        return WinogradSums.suits(g) && g.channelsPerGroup() <= MAX_CHANNELS;
    }

    static int tilesY(ConvGeometry g) {
        return (g.outY() + 3) / 4;
    }

    static int tilesX(ConvGeometry g) {
        return (g.outX() + 3) / 4;
    }

    /** Tiles of the layer rounded up to whole register blocks: what the products cost. */
    static long paddedTiles(ConvGeometry g) {
        long tiles = (long) tilesY(g) * tilesX(g);
        return (tiles + T - 1) / T * T;
    }

    /** Bytes of the layer's transformed weights (every group). */
    static long weightBytes(ConvGeometry g) {
        return (long) g.groups() * N2 * g.channelsPerGroup() * WinogradSums.filtersPadded(g) * Double.BYTES;
    }

    /** Bytes of scratch the layer takes per thread: the padded input, its transform and a band's sums. */
    static long scratchBytes(ConvGeometry g) {
        long cp = WinogradSums.channelsPadded(g);
        long grid = (4L * tilesY(g) + 2) * (4L * tilesX(g) + 2) * cp;
        long sums = (long) band(g) * N2 * WinogradSums.filtersPadded(g);
        return (grid + N2 * paddedTiles(g) * cp + sums) * Double.BYTES;
    }

    /** Tiles per band, by {@link WinogradSums#band}'s rule for 36 sums a tile. */
    static int band(ConvGeometry g) {
        return WinogradSums.band((int) paddedTiles(g), N2, g.channelsPerGroup(), WinogradSums.filtersPadded(g));
    }

    /**
     * The group's exact sums into {@code acc} from index 0 in {@link WindowSums}' block layout:
     * filter k of the group at position p is {@code acc[(k / bw) * positions * bw + p * bw + k % bw]}.
     */
    static void sums(QLayer layer, short[] input, int group, double[] acc, int bw) {
        ConvGeometry g = layer.geometry();
        double[] u = WEIGHTS.computeIfAbsent(layer, Winograd4Sums::transformWeights);
        int cg = g.channelsPerGroup();
        int cp = WinogradSums.channelsPadded(g);
        int kp = WinogradSums.filtersPadded(g);
        int ty = tilesY(g);
        int tx = tilesX(g);
        int tiles = ty * tx;
        int tilesP = (int) paddedTiles(g);
        int rows = 4 * ty + 2;
        int cols = 4 * tx + 2;
        double[][] scratch = SCRATCH.get();
        double[] grid = WinogradSums.take(scratch, 0, rows * cols * cp);
        boolean local = bandLocal(g);
        int band = local ? WinogradSums.l2Band(N2, kp) : band(g);
        double[] v = WinogradSums.take(scratch, 1, N2 * (local ? band : tilesP) * cp);
        double[] m = WinogradSums.take(scratch, 2, band * N2 * kp);
        double[] t = WinogradSums.take(scratch, 3, 68 * L);
        WinogradSums.grid(g, input, group, grid, rows, cols, cp);
        if (!local) {
            transformInputs(grid, cp, tx, cols, v, tilesP, 0, tiles, t);
            WinogradSums.zeroPadded(v, N2, tiles, tilesP, cp);
        }
        int uBase = group * N2 * cg * kp;
        int positions = g.outY() * g.outX();
        for (int t0 = 0; t0 < tilesP; t0 += band) {
            int t1 = Math.min(tilesP, t0 + band);
            if (local) {
                // the band's own transformed inputs, just before its products: they stay in L2
                int real = Math.max(0, Math.min(t1, tiles) - t0);
                transformInputs(grid, cp, tx, cols, v, band, t0, t0 + real, t);
                WinogradSums.zeroPadded(v, N2, real, band, cp);
                WinogradSums.products(v, band, cp, cg, u, uBase, m, kp, N2, 0, t1 - t0);
            } else {
                WinogradSums.products(v, tilesP, cp, cg, u, uBase, m, kp, N2, t0, t1);
            }
            outputs(m, t0, Math.min(t1, tiles), tx, kp, g, acc, bw, positions, t);
        }
    }

    /**
     * Whether the layer's inputs are transformed band by band, each band's just before its
     * products, rather than all at once: then the band's transformed inputs and sums stay in L2,
     * and the transformed weights are read once per band instead of once. Chosen where that reads
     * fewer bytes from beyond L2: bands times the weights, against the weights once plus the whole
     * layer's transformed inputs and sums each written and read back (ResNet-18's layer1: 8 bands
     * of its 1.2 MB of weights against 16 MB; layer2 stays whole).
     */
    static boolean bandLocal(ConvGeometry g) {
        int kp = WinogradSums.filtersPadded(g);
        long tilesP = paddedTiles(g);
        int band = WinogradSums.l2Band(N2, kp);
        if (band >= tilesP) {
            return false;
        }
        long cp = WinogradSums.channelsPadded(g);
        long weights = (long) N2 * g.channelsPerGroup() * kp;
        long bands = (tilesP + band - 1) / band;
        long whole = weights + 2 * N2 * tilesP * (kp + cp);
        return bands * weights < whole;
    }

    /**
     * V = B^T d B for tiles t0 .. t1 - 1, L channels at a time: each of the tile's six input rows
     * through B^T along x into {@code s} (row r, column j at (r * 6 + j) * L), then each column
     * through B^T along y into v[(xi * vTiles + tile - t0) * cp + c], xi = 6 i + j.
     */
    private static void transformInputs(double[] grid, int cp, int tx, int cols, double[] v, int vTiles, int t0,
                                        int t1, double[] s) {
        int xs = vTiles * cp;
        for (int tile = t0; tile < t1; tile++) {
            int y = tile / tx;
            int x = tile % tx;
            int at = tile - t0;
            for (int c = 0; c < cp; c += L) {
                for (int r = 0; r < 6; r++) {
                    transform6(grid, ((4 * y + r) * cols + 4 * x) * cp + c, cp, s, r * 6 * L, L);
                }
                for (int j = 0; j < 6; j++) {
                    transform6(s, j * L, 6 * L, v, (j * vTiles + at) * cp + c, 6 * xs);
                }
            }
        }
    }

    /**
     * o = B^T d for six vectors d (at {@code at + i * step}), B^T = [[4,0,-5,0,1,0],
     * [0,-4,-4,1,1,0], [0,4,-4,-1,1,0], [0,-2,-1,2,1,0], [0,2,-1,-2,1,0], [0,4,0,-5,0,1]], into
     * {@code out + j * outStep}; every step exact (integers far below 2^53).
     */
    private static void transform6(double[] src, int at, int step, double[] dst, int out, int outStep) {
        DoubleVector d0 = DoubleVector.fromArray(V, src, at);
        DoubleVector d1 = DoubleVector.fromArray(V, src, at + step);
        DoubleVector d2 = DoubleVector.fromArray(V, src, at + 2 * step);
        DoubleVector d3 = DoubleVector.fromArray(V, src, at + 3 * step);
        DoubleVector d4 = DoubleVector.fromArray(V, src, at + 4 * step);
        DoubleVector d5 = DoubleVector.fromArray(V, src, at + 5 * step);
        DoubleVector four = DoubleVector.broadcast(V, 4.0);
        DoubleVector minusFour = DoubleVector.broadcast(V, -4.0);
        DoubleVector minusFive = DoubleVector.broadcast(V, -5.0);
        DoubleVector a = d2.fma(minusFour, d4);
        DoubleVector b = d1.fma(minusFour, d3);
        DoubleVector c = d4.sub(d2);
        DoubleVector e = d3.sub(d1).mul(2.0);
        d0.fma(four, d2.fma(minusFive, d4)).intoArray(dst, out);
        a.add(b).intoArray(dst, out + outStep);
        a.sub(b).intoArray(dst, out + 2 * outStep);
        c.add(e).intoArray(dst, out + 3 * outStep);
        c.sub(e).intoArray(dst, out + 4 * outStep);
        d1.fma(four, d3.fma(minusFive, d5)).intoArray(dst, out + 5 * outStep);
    }

    /**
     * y = A'^T M'' A' / 576 for the band's real tiles t0 .. t1 - 1 into the outputs each tile covers
     * inside the layer. Per filter vector: each column of M'' split into H * 2^32 + L and taken
     * through A'^T (into {@code s}: H' of row r, column j at (r * 6 + j) * L, L' 24 vectors on),
     * then each row through A', and y = (H'' * 2^32 + L'') / 576. Every step loads and stores its
     * vectors through {@code s} (L1), so that no vector crosses a call.
     */
    private static void outputs(double[] m, int t0, int t1, int tx, int kp, ConvGeometry g, double[] acc, int bw,
                                int positions, double[] s) {
        int fpg = g.filtersPerGroup();
        int outY = g.outY();
        int outX = g.outX();
        for (int t = t0; t < t1; t++) {
            int oy = 4 * (t / tx);
            int ox = 4 * (t % tx);
            int base = (t - t0) * N2 * kp;
            int rows = Math.min(4, outY - oy);
            int cols = Math.min(4, outX - ox);
            for (int k = 0; k < fpg; k += L) {
                int b = (k / bw) * positions * bw + k % bw;
                if (small(m, base + k, kp)) {
                    // every |M''| below 2^41: the transform's values stay below 48 * 48 * 2^41 < 2^53, no split
                    for (int j = 0; j < 6; j++) {
                        stage(m, base + j * kp + k, 6 * kp, s, j * L, 6 * L);
                    }
                    for (int r = 0; r < rows; r++) {
                        stage(s, r * 6 * L, L, s, ROW, L);
                        int p = b + ((oy + r) * outX + ox) * bw;
                        for (int c = 0; c < cols; c++) {
                            divide(s, ROW + c * L, acc, p + c * bw);
                        }
                    }
                    continue;
                }
                for (int j = 0; j < 6; j++) {
                    split(m, base + j * kp + k, 6 * kp, s, HL);
                    stage(s, HL, L, s, j * L, 6 * L);
                    stage(s, HL + 6 * L, L, s, 24 * L + j * L, 6 * L);
                }
                for (int r = 0; r < rows; r++) {
                    stage(s, r * 6 * L, L, s, ROW, L);
                    stage(s, 24 * L + r * 6 * L, L, s, ROW + 4 * L, L);
                    int p = b + ((oy + r) * outX + ox) * bw;
                    for (int c = 0; c < cols; c++) {
                        join(s, ROW + c * L, ROW + (4 + c) * L, acc, p + c * bw);
                    }
                }
            }
        }
    }

    /** Bits of 2^41: below it a tile's M'' need no split (positive doubles order as their bits). */
    private static final long SMALL_BITS = Double.doubleToRawLongBits(0x1p41);

    /**
     * Whether every |M''| of the tile's 36 vectors ({@code kp} apart from {@code at}) is below 2^41:
     * the largest magnitude as the largest of the bits with the sign cleared (a long max, one
     * instruction), compared once.
     */
    private static boolean small(double[] m, int at, int kp) {
        LongVector most = LongVector.zero(LV);
        for (int xi = 0; xi < N2; xi++) {
            most = most.max(DoubleVector.fromArray(V, m, at + xi * kp).reinterpretAsLongs().and(Long.MAX_VALUE));
        }
        return !most.compare(VectorOperators.GE, SMALL_BITS).anyTrue();
    }

    /** y = Y / 576 for Y = 576 y below 2^53: Y * fl(1/576) rounded to an integer (see {@link #join}). */
    private static void divide(double[] s, int at, double[] acc, int p) {
        DoubleVector magic = DoubleVector.broadcast(V, RINT_MAGIC);
        DoubleVector.fromArray(V, s, at).fma(DoubleVector.broadcast(V, 1.0 / 576), magic).sub(magic).intoArray(acc, p);
    }

    /** Where the output transform keeps a column's split parts in its scratch (12 vectors). */
    private static final int HL = 48 * L;
    /** Where it keeps a row's four H'' and four L'' (8 vectors). */
    private static final int ROW = 60 * L;

    /**
     * A column of M'' (six vectors {@code step} apart from {@code at}) split exactly into H * 2^32
     * + L: H = rint(M * 2^-32) (|M| < 2^51, so |M * 2^-32| < 2^19, which adding and subtracting
     * 1.5 * 2^52 rounds), L = M - H * 2^32 (|L| <= 2^31): H at {@code s[out + i * L]}, L six vectors on.
     */
    private static void split(double[] m, int at, int step, double[] s, int out) {
        DoubleVector magic = DoubleVector.broadcast(V, RINT_MAGIC);
        DoubleVector down = DoubleVector.broadcast(V, UNSPLIT);
        DoubleVector up = DoubleVector.broadcast(V, -SPLIT);
        for (int i = 0; i < 6; i++) {
            DoubleVector x = DoubleVector.fromArray(V, m, at + i * step);
            DoubleVector h = x.fma(down, magic).sub(magic);
            h.intoArray(s, out + i * L);
            h.fma(up, x).intoArray(s, out + (6 + i) * L);
        }
    }

    /**
     * A'^T = [[6,4,4,1,1,0], [0,4,-4,2,-2,0], [0,4,4,4,4,0], [0,4,-4,8,-8,24]] on six vectors (at
     * {@code at + i * step}), the four results at {@code dst[out + r * outStep]}: exact, every
     * value below 2^44 (H parts below 2^19, L parts at most 2^31, times at most 48 a pass).
     */
    private static void stage(double[] src, int at, int step, double[] dst, int out, int outStep) {
        DoubleVector m0 = DoubleVector.fromArray(V, src, at);
        DoubleVector m1 = DoubleVector.fromArray(V, src, at + step);
        DoubleVector m2 = DoubleVector.fromArray(V, src, at + 2 * step);
        DoubleVector m3 = DoubleVector.fromArray(V, src, at + 3 * step);
        DoubleVector m4 = DoubleVector.fromArray(V, src, at + 4 * step);
        DoubleVector m5 = DoubleVector.fromArray(V, src, at + 5 * step);
        DoubleVector four = DoubleVector.broadcast(V, 4.0);
        DoubleVector p = m1.add(m2);
        DoubleVector q = m1.sub(m2);
        DoubleVector r = m3.add(m4);
        DoubleVector d = m3.sub(m4);
        m0.fma(DoubleVector.broadcast(V, 6.0), p.fma(four, r)).intoArray(dst, out);
        q.fma(four, d.add(d)).intoArray(dst, out + outStep);
        p.add(r).mul(four).intoArray(dst, out + 2 * outStep);
        q.fma(four, d.fma(DoubleVector.broadcast(V, 8.0), m5.mul(DoubleVector.broadcast(V, 24.0))))
                .intoArray(dst, out + 3 * outStep);
    }

    /**
     * y = (H'' * 2^32 + L'') / 576 into {@code acc[p ..]}: the fused multiply-add's exact result is
     * Y = 576 y, representable (below 2^53); Y * fl(1/576) is y within |y| * 2^-52 < 2^-8 (|y| <
     * 2^44), so rounding it to an integer, by adding and subtracting 1.5 * 2^52 in one more fused
     * multiply-add, gives y exactly, without a division.
     */
    private static void join(double[] s, int h, int l, double[] acc, int p) {
        DoubleVector magic = DoubleVector.broadcast(V, RINT_MAGIC);
        DoubleVector y = DoubleVector.fromArray(V, s, h).fma(DoubleVector.broadcast(V, SPLIT), DoubleVector.fromArray(V, s, l));
        y.fma(DoubleVector.broadcast(V, 1.0 / 576), magic).sub(magic).intoArray(acc, p);
    }

    /**
     * U'' = R g R^T per group, channel and filter, R = [[1,0,0],[-1,-1,-1],[-1,1,-1],[1,2,4],[1,-2,4],
     * [0,0,1]]: [group][xi][block of FB filters][c][FB], xi = 6 i + j; padding filters are zeros.
     */
    private static double[] transformWeights(QLayer layer) {
        ConvGeometry g = layer.geometry();
        int cg = g.channelsPerGroup();
        int fpg = g.filtersPerGroup();
        int kp = WinogradSums.filtersPadded(g);
        short[] q = layer.weights();
        double[] u = new double[g.groups() * N2 * cg * kp];
        int[][] rr = {{1, 0, 0}, {-1, -1, -1}, {-1, 1, -1}, {1, 2, 4}, {1, -2, 4}, {0, 0, 1}};
        long[] t = new long[18];
        for (int group = 0; group < g.groups(); group++) {
            for (int kk = 0; kk < fpg; kk++) {
                int k = group * fpg + kk;
                for (int c = 0; c < cg; c++) {
                    int w = (k * cg + c) * 9;
                    // t = R g (6 x 3)
                    for (int i = 0; i < 6; i++) {
                        for (int x = 0; x < 3; x++) {
                            t[i * 3 + x] = (long) rr[i][0] * q[w + x] + (long) rr[i][1] * q[w + 3 + x]
                                    + (long) rr[i][2] * q[w + 6 + x];
                        }
                    }
                    // U'' = t R^T (6 x 6)
                    for (int i = 0; i < 6; i++) {
                        for (int j = 0; j < 6; j++) {
                            long s = rr[j][0] * t[i * 3] + rr[j][1] * t[i * 3 + 1] + rr[j][2] * t[i * 3 + 2];
                            u[((group * N2 + i * 6 + j) * kp + kk / FB * FB) * cg + c * FB + kk % FB] = s;
                        }
                    }
                }
            }
        }
        return u;
    }
}
