package io.cnv2.hw.brick;

import io.cnv2.hw.QLayer;
import io.cnv2.ir.ConvGeometry;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Exact window sums of a 3x3, stride-1, undilated layer by Winograd's minimal filtering F(2x2, 3x3)
 * (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", CVPR 2016), in integers:
 * each 2x2 tile of outputs takes 16 products per channel and filter instead of 36. The sums are
 * the accelerator's own exact integers (rule 3 of CNV2-MODEL.md section 2 sums every product;
 * how they are added up is the emulator's business, not the hardware's), so this is one more
 * way to the same bits, chosen for speed only ({@link WindowSums}); its timing and statistics are
 * the model's, computed elsewhere from the activations.
 *
 * <p>Exactness: with G' = 2G = [[2,0,0],[1,1,1],[1,-1,1],[0,0,2]] every transformed weight
 * U' = G' g G'^T is an integer (|U'| <= 9 * 2^15), every transformed input V = B^T d B one
 * (|V| <= 4 * 2^15), and A^T [sum over channels of U' V] A = 4 * the exact sums, so every value
 * on the way is an integer below 9 * 36 * 2^30 * channels, within double's 2^53 for up to
 * {@link #MAX_CHANNELS} channels a group; the last step, times 1/4, is exact.
 *
 * <p>Work: the input padded and laid out channels innermost, so that each tile's transform is
 * vectorised over channels; the 16 products per tile are then 16 independent matrix products
 * (tiles x channels) x (channels x filters), each a register block of five tiles by four vectors
 * of filters as the dense kernel's ({@link DenseWindowsSimd}), reading five sequential streams of
 * transformed inputs and one of transformed weights; then each tile's 16 sums per filter become
 * its four outputs. Tiles go in bands whose sums stay in L2, or in one band where re-reading the
 * transformed weights would cost more ({@link #band}). Loaded only when {@link io.cnv2.Simd#enabled()}.
 */
final class WinogradSums {
    private static final VectorSpecies<Double> V = DoubleVector.SPECIES_PREFERRED;
    private static final int L = V.length();
    /** Tiles per register block. */
    static final int T = 5;
    /** Filter vectors per register block: 20 accumulators, four weights and a broadcast, 25 of 32 AVX-512 registers. */
    static final int FV = 4;
    /** Filters per register block. */
    static final int FB = FV * L;
    /** Channels a group may have for every intermediate to stay below 2^53 (see above). */
    static final int MAX_CHANNELS = 16384;
    /** Bytes of a band's 16 sums per tile and filter: kept in L2 between the products and the outputs. */
    private static final int BAND_BYTES = 512 * 1024;

    /** Transformed weights of each layer, [group][xi][block of FB filters][c][FB], built once per layer. */
    private static final Map<QLayer, double[]> WEIGHTS = Collections.synchronizedMap(new WeakHashMap<>());
    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[3][0]);

    private WinogradSums() {
    }

    /** Whether the layer's geometry is one this kernel computes: 3x3, stride 1, no dilation. */
    static boolean suits(ConvGeometry g) {
        return io.cnv2.Simd.enabled() && g.kernelY() == 3 && g.kernelX() == 3 && g.strideY() == 1
                && g.strideX() == 1 && g.dilationY() == 1 && g.dilationX() == 1
                && g.channelsPerGroup() <= MAX_CHANNELS && g.outY() >= 1 && g.outX() >= 1;
    }

    static int tilesY(ConvGeometry g) {
        return (g.outY() + 1) / 2;
    }

    static int tilesX(ConvGeometry g) {
        return (g.outX() + 1) / 2;
    }

    /** Tiles of the layer rounded up to whole register blocks: what the products cost. */
    static long paddedTiles(ConvGeometry g) {
        long tiles = (long) tilesY(g) * tilesX(g);
        return (tiles + T - 1) / T * T;
    }

    /**
     * Bytes of scratch the layer takes per thread: the padded input, its transform (16 values a
     * tile where the input has 4), each channel rounded to whole vectors, and a band's sums.
     */
    static long scratchBytes(ConvGeometry g) {
        long cp = channelsPadded(g);
        long grid = (2L * tilesY(g) + 2) * (2L * tilesX(g) + 2) * cp;
        long sums = (long) band(g) * 16 * filtersPadded(g);
        return (grid + 16 * paddedTiles(g) * cp + sums) * Double.BYTES;
    }

    /**
     * Tiles per band. A band's 16 sums per tile and filter stay in L2 ({@link #BAND_BYTES}) from
     * the products to the outputs, but each band reads all the transformed weights again: where
     * those outgrow L2 and the bands re-read more of them than the whole layer's sums weigh twice
     * (written once, read once), one band of every tile moves fewer bytes. ResNet-18's 28x28 and
     * 14x14 layers (2 and 8 MiB of transformed weights, 7 and 4 bands of L2) took 2.2-3.1 ms with
     * cold caches in bands and 1.6-2.2 ms in one; its 56x56 layers (0.5 MiB, in L2) stay banded
     * (sums only, Zen 5, issue #23).
     */
    static int band(ConvGeometry g) {
        return band((int) paddedTiles(g), 16, g.channelsPerGroup(), filtersPadded(g));
    }

    /** {@link #band}'s rule for {@code tilesP} padded tiles of {@code n2} transformed positions (16 or 36). */
    static int band(int tilesP, int n2, int cg, int kp) {
        int band = l2Band(n2, kp);
        if (band >= tilesP) {
            return tilesP;
        }
        long weights = (long) n2 * cg * kp * Double.BYTES;
        long bands = (tilesP + band - 1) / band;
        long sums = (long) tilesP * n2 * kp * Double.BYTES;
        return weights > BAND_BYTES && (bands - 1) * weights > 2 * sums ? tilesP : band;
    }

    /** Tiles of a band whose {@code n2} sums per tile and filter stay in L2: whole register blocks, at least one. */
    static int l2Band(int n2, int kp) {
        return Math.max(T, BAND_BYTES / (n2 * kp * Double.BYTES) / T * T);
    }

    /** Channels of a group rounded up to whole vectors: the transforms' and the grid's channel stride. */
    static int channelsPadded(ConvGeometry g) {
        return (g.channelsPerGroup() + L - 1) / L * L;
    }

    /** Filters of a group rounded up to whole register blocks ({@link #FB}). */
    static int filtersPadded(ConvGeometry g) {
        return (g.filtersPerGroup() + FB - 1) / FB * FB;
    }

    /**
     * The group's exact sums into {@code acc} from index 0 in {@link WindowSums}' block layout:
     * filter k of the group at position p is {@code acc[(k / bw) * positions * bw + p * bw + k % bw]}.
     */
    static void sums(QLayer layer, short[] input, int group, double[] acc, int bw) {
        ConvGeometry g = layer.geometry();
        double[] u = WEIGHTS.computeIfAbsent(layer, WinogradSums::transformWeights);
        int cg = g.channelsPerGroup();
        int cp = channelsPadded(g);
        int kp = filtersPadded(g);
        int ty = tilesY(g);
        int tx = tilesX(g);
        int tiles = ty * tx;
        int tilesP = (int) paddedTiles(g);
        int rows = 2 * ty + 2;
        int cols = 2 * tx + 2;
        double[][] scratch = SCRATCH.get();
        double[] grid = take(scratch, 0, rows * cols * cp);
        double[] v = take(scratch, 1, 16 * tilesP * cp);
        int band = band(g);
        double[] m = take(scratch, 2, band * 16 * kp);
        grid(g, input, group, grid, rows, cols, cp);
        transformInputs(grid, cp, ty, tx, cols, v, tilesP);
        zeroPadded(v, 16, tiles, tilesP, cp);
        int uBase = group * 16 * cg * kp;
        int positions = g.outY() * g.outX();
        for (int t0 = 0; t0 < tilesP; t0 += band) {
            int t1 = Math.min(tilesP, t0 + band);
            products(v, tilesP, cp, cg, u, uBase, m, kp, 16, t0, t1);
            outputs(m, t0, Math.min(t1, tiles), tx, kp, g, acc, bw, positions);
        }
    }

    /** The padded tiles' inputs, tiles .. tilesP - 1 of each of the n2 positions: zeros (their sums are never read, but stay finite). */
    static void zeroPadded(double[] v, int n2, int tiles, int tilesP, int cp) {
        for (int xi = 0; xi < n2; xi++) {
            java.util.Arrays.fill(v, (xi * tilesP + tiles) * cp, (xi + 1) * tilesP * cp, 0);
        }
    }

    /**
     * The band t0 .. t1 - 1's n2 matrix products, transformed position by position and block by
     * block of filters: m[((t - t0) * n2 + xi) * kp + k] = sum over channels of
     * v[(xi * tilesP + t) * cp + c] times u[uBase + (xi * kp + block) * cg + c * FB + k % FB].
     */
    static void products(double[] v, int tilesP, int cp, int cg, double[] u, int uBase, double[] m, int kp, int n2,
                         int t0, int t1) {
        for (int xi = 0; xi < n2; xi++) {
            for (int kb = 0; kb < kp; kb += FB) {
                for (int t = t0; t < t1; t += T) {
                    block(v, (xi * tilesP + t) * cp, cp, cg, u, uBase + (xi * kp + kb) * cg,
                            m, ((t - t0) * n2 + xi) * kp + kb, n2 * kp);
                }
            }
        }
    }

    static double[] take(double[][] scratch, int i, int n) {
        if (scratch[i].length < n) {
            scratch[i] = new double[n];
        }
        return scratch[i];
    }

    /**
     * The group's input padded by the layer's padding to (2 tiles + 2) rows and columns, channels
     * innermost (rounded up to whole vectors, the extra ones zero): grid[(y * cols + x) * cp + c].
     */
    static void grid(ConvGeometry g, short[] in, int group, double[] grid, int rows, int cols, int cp) {
        int cg = g.channelsPerGroup();
        int h = g.height();
        int w = g.width();
        int plane = h * w;
        java.util.Arrays.fill(grid, 0, rows * cols * cp, 0);
        int from = Math.max(0, g.padLeft());
        int to = Math.min(cols, w + g.padLeft());
        for (int y = 0; y < rows; y++) {
            int iy = y - g.padTop();
            if (iy < 0 || iy >= h) {
                continue;
            }
            for (int c = 0; c < cg; c++) {
                int src = (group * cg + c) * plane + iy * w - g.padLeft();
                for (int x = from, at = (y * cols + from) * cp + c; x < to; x++, at += cp) {
                    grid[at] = in[src + x];
                }
            }
        }
    }

    /**
     * V = B^T d B for every tile, L channels at a time, B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],
     * [0,1,0,-1]]: v[(xi * tilesP + tile) * cp + c], xi = 4 i + j. Column j of d B is a + s b of
     * two of the tile's columns (j = 0: col0 - col2; 1: col1 + col2; 2: col2 - col1; 3: col1 - col3),
     * one small method per j so that C2 keeps every vector in a register.
     */
    private static void transformInputs(double[] grid, int cp, int ty, int tx, int cols, double[] v, int tilesP) {
        int xs = tilesP * cp;
        int rowStep = cols * cp;
        for (int y = 0; y < ty; y++) {
            for (int x = 0; x < tx; x++) {
                int e = (2 * y * cols + 2 * x) * cp;
                int at = (y * tx + x) * cp;
                for (int c = 0; c < cp; c += L) {
                    column(grid, e + c, e + 2 * cp + c, -1, rowStep, v, at + c, xs);
                    column(grid, e + cp + c, e + 2 * cp + c, 1, rowStep, v, at + xs + c, xs);
                    column(grid, e + 2 * cp + c, e + cp + c, -1, rowStep, v, at + 2 * xs + c, xs);
                    column(grid, e + cp + c, e + 3 * cp + c, -1, rowStep, v, at + 3 * xs + c, xs);
                }
            }
        }
    }

    /**
     * Column j of V for L channels: x_r = a_r + s b_r on the tile's four input rows (rows
     * {@code step} apart in the grid), then B^T along y, into xi = j, 4 + j, 8 + j, 12 + j
     * ({@code 4 * xs} apart, the caller's {@code at} already at j).
     */
    private static void column(double[] grid, int a, int b, double s, int step, double[] v, int at, int xs) {
        DoubleVector sign = DoubleVector.broadcast(V, s);
        DoubleVector x0 = DoubleVector.fromArray(V, grid, b).fma(sign, DoubleVector.fromArray(V, grid, a));
        DoubleVector x1 = DoubleVector.fromArray(V, grid, b + step).fma(sign, DoubleVector.fromArray(V, grid, a + step));
        DoubleVector x2 = DoubleVector.fromArray(V, grid, b + 2 * step)
                .fma(sign, DoubleVector.fromArray(V, grid, a + 2 * step));
        DoubleVector x3 = DoubleVector.fromArray(V, grid, b + 3 * step)
                .fma(sign, DoubleVector.fromArray(V, grid, a + 3 * step));
        x0.sub(x2).intoArray(v, at);
        x1.add(x2).intoArray(v, at + 4 * xs);
        x2.sub(x1).intoArray(v, at + 8 * xs);
        x1.sub(x3).intoArray(v, at + 12 * xs);
    }

    /**
     * m[mAt + p * tile + f * L ..] = sum over channels of v[vAt + p * cp + c] times
     * u[uAt + c * FB + f * L ..], for the T tiles p and FV filter vectors f of a register block:
     * five sequential streams of inputs and one of weights ({@code tile}: the sums' stride from
     * one tile to the next, 16 or 36 transformed positions of kp filters).
     */
    static void block(double[] v, int vAt, int cp, int cg, double[] u, int uAt, double[] m, int mAt, int tile) {
        DoubleVector a00 = DoubleVector.zero(V);
        DoubleVector a01 = a00;
        DoubleVector a02 = a00;
        DoubleVector a03 = a00;
        DoubleVector a10 = a00;
        DoubleVector a11 = a00;
        DoubleVector a12 = a00;
        DoubleVector a13 = a00;
        DoubleVector a20 = a00;
        DoubleVector a21 = a00;
        DoubleVector a22 = a00;
        DoubleVector a23 = a00;
        DoubleVector a30 = a00;
        DoubleVector a31 = a00;
        DoubleVector a32 = a00;
        DoubleVector a33 = a00;
        DoubleVector a40 = a00;
        DoubleVector a41 = a00;
        DoubleVector a42 = a00;
        DoubleVector a43 = a00;
        for (int c = 0; c < cg; c++) {
            int wi = uAt + c * FB;
            DoubleVector w0 = DoubleVector.fromArray(V, u, wi);
            DoubleVector w1 = DoubleVector.fromArray(V, u, wi + L);
            DoubleVector w2 = DoubleVector.fromArray(V, u, wi + 2 * L);
            DoubleVector w3 = DoubleVector.fromArray(V, u, wi + 3 * L);
            int vi = vAt + c;
            DoubleVector b = DoubleVector.broadcast(V, v[vi]);
            a00 = b.fma(w0, a00);
            a01 = b.fma(w1, a01);
            a02 = b.fma(w2, a02);
            a03 = b.fma(w3, a03);
            b = DoubleVector.broadcast(V, v[vi + 1 * cp]);
            a10 = b.fma(w0, a10);
            a11 = b.fma(w1, a11);
            a12 = b.fma(w2, a12);
            a13 = b.fma(w3, a13);
            b = DoubleVector.broadcast(V, v[vi + 2 * cp]);
            a20 = b.fma(w0, a20);
            a21 = b.fma(w1, a21);
            a22 = b.fma(w2, a22);
            a23 = b.fma(w3, a23);
            b = DoubleVector.broadcast(V, v[vi + 3 * cp]);
            a30 = b.fma(w0, a30);
            a31 = b.fma(w1, a31);
            a32 = b.fma(w2, a32);
            a33 = b.fma(w3, a33);
            b = DoubleVector.broadcast(V, v[vi + 4 * cp]);
            a40 = b.fma(w0, a40);
            a41 = b.fma(w1, a41);
            a42 = b.fma(w2, a42);
            a43 = b.fma(w3, a43);
        }
        a00.intoArray(m, mAt);
        a01.intoArray(m, mAt + L);
        a02.intoArray(m, mAt + 2 * L);
        a03.intoArray(m, mAt + 3 * L);
        a10.intoArray(m, mAt + tile);
        a11.intoArray(m, mAt + tile + L);
        a12.intoArray(m, mAt + tile + 2 * L);
        a13.intoArray(m, mAt + tile + 3 * L);
        a20.intoArray(m, mAt + 2 * tile);
        a21.intoArray(m, mAt + 2 * tile + L);
        a22.intoArray(m, mAt + 2 * tile + 2 * L);
        a23.intoArray(m, mAt + 2 * tile + 3 * L);
        a30.intoArray(m, mAt + 3 * tile);
        a31.intoArray(m, mAt + 3 * tile + L);
        a32.intoArray(m, mAt + 3 * tile + 2 * L);
        a33.intoArray(m, mAt + 3 * tile + 3 * L);
        a40.intoArray(m, mAt + 4 * tile);
        a41.intoArray(m, mAt + 4 * tile + L);
        a42.intoArray(m, mAt + 4 * tile + 2 * L);
        a43.intoArray(m, mAt + 4 * tile + 3 * L);
    }

    /**
     * Y = A^T M A / 4 for the band's real tiles t0 .. t1 - 1, A^T = [[1,1,1,0],[0,1,-1,-1]], into
     * the outputs the tile covers inside the layer.
     */
    private static void outputs(double[] m, int t0, int t1, int tx, int kp, ConvGeometry g, double[] acc, int bw,
                                int positions) {
        DoubleVector quarter = DoubleVector.broadcast(V, 0.25);
        int fpg = g.filtersPerGroup();
        int outY = g.outY();
        int outX = g.outX();
        for (int t = t0; t < t1; t++) {
            int oy = 2 * (t / tx);
            int ox = 2 * (t % tx);
            int base = (t - t0) * 16 * kp;
            boolean right = ox + 1 < outX;
            boolean below = oy + 1 < outY;
            for (int k = 0; k < fpg; k += L) {
                int at = base + k;
                // T = A^T M: two rows of four
                DoubleVector m00 = DoubleVector.fromArray(V, m, at);
                DoubleVector m01 = DoubleVector.fromArray(V, m, at + kp);
                DoubleVector m02 = DoubleVector.fromArray(V, m, at + 2 * kp);
                DoubleVector m03 = DoubleVector.fromArray(V, m, at + 3 * kp);
                DoubleVector m10 = DoubleVector.fromArray(V, m, at + 4 * kp);
                DoubleVector m11 = DoubleVector.fromArray(V, m, at + 5 * kp);
                DoubleVector m12 = DoubleVector.fromArray(V, m, at + 6 * kp);
                DoubleVector m13 = DoubleVector.fromArray(V, m, at + 7 * kp);
                DoubleVector m20 = DoubleVector.fromArray(V, m, at + 8 * kp);
                DoubleVector m21 = DoubleVector.fromArray(V, m, at + 9 * kp);
                DoubleVector m22 = DoubleVector.fromArray(V, m, at + 10 * kp);
                DoubleVector m23 = DoubleVector.fromArray(V, m, at + 11 * kp);
                DoubleVector m30 = DoubleVector.fromArray(V, m, at + 12 * kp);
                DoubleVector m31 = DoubleVector.fromArray(V, m, at + 13 * kp);
                DoubleVector m32 = DoubleVector.fromArray(V, m, at + 14 * kp);
                DoubleVector m33 = DoubleVector.fromArray(V, m, at + 15 * kp);
                DoubleVector t00 = m00.add(m10).add(m20);
                DoubleVector t01 = m01.add(m11).add(m21);
                DoubleVector t02 = m02.add(m12).add(m22);
                DoubleVector t03 = m03.add(m13).add(m23);
                DoubleVector t10 = m10.sub(m20).sub(m30);
                DoubleVector t11 = m11.sub(m21).sub(m31);
                DoubleVector t12 = m12.sub(m22).sub(m32);
                DoubleVector t13 = m13.sub(m23).sub(m33);
                // Y = T A, times 1/4 (exact: the values are 4 * integers)
                int b = (k / bw) * positions * bw + k % bw;
                int p = oy * outX + ox;
                t00.add(t01).add(t02).mul(quarter).intoArray(acc, b + p * bw);
                if (right) {
                    t01.sub(t02).sub(t03).mul(quarter).intoArray(acc, b + (p + 1) * bw);
                }
                if (below) {
                    t10.add(t11).add(t12).mul(quarter).intoArray(acc, b + (p + outX) * bw);
                    if (right) {
                        t11.sub(t12).sub(t13).mul(quarter).intoArray(acc, b + (p + outX + 1) * bw);
                    }
                }
            }
        }
    }

    /**
     * U' = G' g G'^T per group, channel and filter, G' = [[2,0,0],[1,1,1],[1,-1,1],[0,0,2]]:
     * [group][xi][block of FB filters][c][FB], xi = 4 i + j; padding filters are zeros.
     */
    private static double[] transformWeights(QLayer layer) {
        ConvGeometry g = layer.geometry();
        int cg = g.channelsPerGroup();
        int fpg = g.filtersPerGroup();
        int kp = filtersPadded(g);
        short[] q = layer.weights();
        double[] u = new double[g.groups() * 16 * cg * kp];
        double[][] gp = {{2, 0, 0}, {1, 1, 1}, {1, -1, 1}, {0, 0, 2}};
        double[] t = new double[12];
        for (int group = 0; group < g.groups(); group++) {
            for (int kk = 0; kk < fpg; kk++) {
                int k = group * fpg + kk;
                for (int c = 0; c < cg; c++) {
                    int w = (k * cg + c) * 9;
                    // t = G' g (4 x 3)
                    for (int i = 0; i < 4; i++) {
                        for (int x = 0; x < 3; x++) {
                            t[i * 3 + x] = gp[i][0] * q[w + x] + gp[i][1] * q[w + 3 + x] + gp[i][2] * q[w + 6 + x];
                        }
                    }
                    // U' = t G'^T (4 x 4)
                    for (int i = 0; i < 4; i++) {
                        for (int j = 0; j < 4; j++) {
                            double s = gp[j][0] * t[i * 3] + gp[j][1] * t[i * 3 + 1] + gp[j][2] * t[i * 3 + 2];
                            u[((group * 16 + i * 4 + j) * kp + kk / FB * FB) * cg + c * FB + kk % FB] = s;
                        }
                    }
                }
            }
        }
        return u;
    }
}
