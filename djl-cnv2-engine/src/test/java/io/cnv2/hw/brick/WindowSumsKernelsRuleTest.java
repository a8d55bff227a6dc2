package io.cnv2.hw.brick;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cnv2.hw.QLayer;
import io.cnv2.hw.RandomLayers;
import io.cnv2.ir.ConvGeometry;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * CNV2-MODEL.md section 2, rule 3 (integer sums in any order) and section 4, rule 7 (a skipped
 * activation is a zero): the sparse kernel (effectual activations only) and the dense kernel
 * (every activation, zeros multiplied) of {@link WindowSums} give the literal window sums, a
 * plain long loop over every tap, bit for bit, on random layers with strides, padding, dilation,
 * groups, depthwise layers, rows narrower and wider than a tile, full-range 16-bit weights and
 * activations (-32768 included) and every density from all zeros to none; among them blocks of
 * eight, twelve (a wide block) and four vectors, and fully connected layers whose channels form
 * one chunk.
 */
class WindowSumsKernelsRuleTest {
    @AfterEach
    void auto() {
        WindowSums.force(WindowSums.Kernel.AUTO);
    }

    @Test
    void bothKernelsGiveTheLiteralWindowSums() {
        assumeTrue(io.cnv2.Simd.enabled(), "the dense kernel needs the Vector API");
        Random r = new Random(23);
        int extremes = 0;
        int wide = 0;
        int oneChunk = 0;
        for (int i = 0; i < 300; i++) {
            RandomLayers.Case c = RandomLayers.next(r, i, i % 3 == 0 ? -1 : r.nextDouble());
            QLayer layer = c.layer();
            short[] in = c.input().data().clone();
            if (i % 5 == 0) {
                // the extremes of 16 bits, whose products are 2^30
                for (int j = 0; j < in.length; j += 1 + r.nextInt(3)) {
                    in[j] = r.nextBoolean() ? Short.MIN_VALUE : Short.MAX_VALUE;
                }
                short[] w = layer.weights();
                for (int j = 0; j < w.length; j += 1 + r.nextInt(3)) {
                    w[j] = Short.MIN_VALUE;
                }
                extremes++;
            }
            // the wide block (33 to 48 filters on AVX2) and the one-chunk fully connected layer
            wide += WindowSums.width(layer.geometry()) != WindowSums.NB ? 1 : 0;
            oneChunk += layer.geometry().outY() * layer.geometry().outX() == 1 && layer.geometry().channels() > 32 ? 1 : 0;
            long[] literal = WindowSums.literalSums(layer, in);
            WindowSums.force(WindowSums.Kernel.SPARSE);
            assertArrayEquals(literal, WindowSums.sums(layer, in), "sparse kernel, layer " + i + " " + layer.geometry());
            WindowSums.force(WindowSums.Kernel.DENSE);
            assertArrayEquals(literal, WindowSums.sums(layer, in), "dense kernel, layer " + i + " " + layer.geometry());
        }
        assertTrue(extremes > 50);
        assertTrue(wide > 5, "wide blocks seen: " + wide);
        assertTrue(oneChunk > 5, "one-chunk layers seen: " + oneChunk);
    }

    /**
     * The same rule on layers of {@link WindowSums#NB} + 1 to {@link WindowSums#WIDE} filters per
     * group (33 to 48 on AVX2, 65 to 96 on AVX-512), which take one wide block of twelve vectors (a
     * sum missing any of the twelve fails here), and on fully connected layers of up to 300 inputs,
     * whose channels form one chunk. The filter counts follow the machine's vector width: fixed
     * AVX2 counts fall in an ordinary block on an AVX-512 machine and test nothing wide.
     */
    @Test
    void wideBlocksGiveTheLiteralWindowSums() {
        assumeTrue(io.cnv2.Simd.enabled(), "the wide block needs the Vector API");
        assumeTrue(WindowSums.WIDE > WindowSums.NB, "this vector width has no wide block");
        Random r = new Random(48);
        int wide = 0;
        int span = WindowSums.WIDE - WindowSums.NB;
        for (int i = 0; i < 120; i++) {
            QLayer layer = RandomLayers.next(r, i, r.nextDouble(), WindowSums.NB + 1 + i % span).layer();
            short[] in = new short[layer.geometry().channels() * layer.geometry().height() * layer.geometry().width()];
            RandomLayers.fill(r, in, r.nextDouble());
            wide += WindowSums.width(layer.geometry()) != WindowSums.NB ? 1 : 0;
            long[] literal = WindowSums.literalSums(layer, in);
            WindowSums.force(WindowSums.Kernel.SPARSE);
            assertArrayEquals(literal, WindowSums.sums(layer, in), "sparse kernel, layer " + i + " " + layer.geometry());
            WindowSums.force(WindowSums.Kernel.DENSE);
            assertArrayEquals(literal, WindowSums.sums(layer, in), "dense kernel, layer " + i + " " + layer.geometry());
        }
        assertTrue(wide > 90, "wide blocks seen: " + wide);
    }

    /**
     * The same rule on maps large enough that the sparse kernel's sums go in several tiles of
     * output rows ({@link WindowSums#ACC_TILE_BYTES}), the last one partial: every tile must get
     * every (chunk, kernel row) pass, at its own positions.
     */
    @Test
    void tilesOfOutputRowsGiveTheLiteralWindowSums() {
        Random r = new Random(256);
        for (int i = 0; i < 6; i++) {
            int c = 3 + r.nextInt(40);
            int k = 1 + r.nextInt(2 * WindowSums.NB);
            int kernel = 1 + 2 * r.nextInt(3);
            int stride = 1 + r.nextInt(2);
            int w = 40 + r.nextInt(40);
            // odd kernels padded by half: outY = (h - 1) / stride + 1; rows for one to three whole tiles and a partial one
            ConvGeometry one = new ConvGeometry(c, 1, w, k, kernel, kernel, stride, stride, kernel / 2, kernel / 2,
                    kernel / 2, kernel / 2, 1, 1, 1);
            int rowsPerTile = Math.max(1, WindowSums.ACC_TILE_BYTES / (one.outX() * WindowSums.width(one) * 8));
            int outY = rowsPerTile * (1 + r.nextInt(3)) + 1 + r.nextInt(Math.max(1, rowsPerTile - 1));
            int h = (outY - 1) * stride + 1;
            ConvGeometry g = new ConvGeometry(c, h, w, k, kernel, kernel, stride, stride, kernel / 2, kernel / 2,
                    kernel / 2, kernel / 2, 1, 1, 1);
            assertTrue(g.outY() == outY && outY > rowsPerTile && (outY % rowsPerTile != 0 || rowsPerTile == 1), g.toString());
            short[] weights = new short[g.filters() * c * kernel * kernel];
            RandomLayers.fill(r, weights, 0.2);
            QLayer layer = new QLayer("tiles" + i, g, weights, 14, null, 0, 8, 8);
            short[] in = new short[c * h * w];
            RandomLayers.fill(r, in, r.nextDouble());
            WindowSums.force(WindowSums.Kernel.SPARSE);
            assertArrayEquals(WindowSums.literalSums(layer, in), WindowSums.sums(layer, in), "layer " + i + " " + g);
        }
    }

    /**
     * The same rule on layers whose block of weights is past L2 ({@link WindowSums#warms}), where
     * the sparse kernel reads each (chunk, kernel rows) slice of weights in order before the
     * positions use it: a last chunk of fewer channels, several groups, several blocks, a dilated
     * and a strided kernel. A slice read past its layer's weights fails here.
     */
    @Test
    void warmedWeightsGiveTheLiteralWindowSums() {
        Random r = new Random(512);
        int warmed = 0;
        for (int i = 0; i < 8; i++) {
            int groups = 1 + i % 2;
            int kernel = 3 + 2 * (i % 3 == 2 ? 1 : 0);
            // just past the bytes at which a block's weights are warmed, whatever this machine's block
            int cg = WindowSums.WARM_ABOVE_BYTES / (kernel * kernel * WindowSums.NB * Double.BYTES) + 1 + r.nextInt(60);
            int kg = WindowSums.NB + 1 + r.nextInt(2 * WindowSums.NB);
            int stride = 1 + i % 2;
            int dilation = i % 4 == 3 ? 2 : 1;
            int h = 5 + r.nextInt(6);
            int pad = dilation * (kernel / 2);
            ConvGeometry g = new ConvGeometry(groups * cg, h, h + 1, groups * kg, kernel, kernel, stride, stride, pad,
                    pad, pad, pad, dilation, dilation, groups);
            warmed += WindowSums.warms(g) ? 1 : 0;
            short[] weights = new short[g.filters() * cg * kernel * kernel];
            RandomLayers.fill(r, weights, 0.3);
            QLayer layer = new QLayer("warmed" + i, g, weights, 14, null, 0, 8, 8);
            short[] in = new short[g.channels() * g.height() * g.width()];
            RandomLayers.fill(r, in, 0.2 + 0.6 * r.nextDouble());
            WindowSums.force(WindowSums.Kernel.SPARSE);
            assertArrayEquals(WindowSums.literalSums(layer, in), WindowSums.sums(layer, in), "layer " + i + " " + g);
        }
        assertTrue(warmed == 8, "layers whose weights are warmed: " + warmed);
    }

    /**
     * The dense kernel reads a tile's positions, {@code sx} apart on the input, as consecutive
     * values of one phase of its grid ({@link DenseWindowsSimd#grid}): on strides 1 to 4 along x
     * and y apart, dilations 1 to 3, asymmetric padding and rows of fewer positions than a tile,
     * every sum is the literal one. A value put in the wrong phase, or a tap read at the wrong place
     * in it, changes a sum here.
     */
    @Test
    void denseKernelReadsEveryStrideFromItsPhase() {
        assumeTrue(io.cnv2.Simd.enabled(), "the dense kernel needs the Vector API");
        Random r = new Random(2023);
        int strided = 0;
        for (int i = 0; i < 120; i++) {
            int c = 1 + r.nextInt(5);
            int k = 1 + r.nextInt(DenseWindowsSimd.F + 3);
            int ky = 1 + r.nextInt(7);
            int kx = 1 + r.nextInt(7);
            int sy = 1 + r.nextInt(4);
            int sx = 1 + r.nextInt(4);
            int dy = 1 + r.nextInt(3);
            int dx = 1 + r.nextInt(3);
            int pt = r.nextInt(4);
            int pl = r.nextInt(4);
            int pb = r.nextInt(4);
            int pr = r.nextInt(4);
            int h = Math.max(1, (ky - 1) * dy + 1 - pt - pb) + r.nextInt(12);
            int w = Math.max(1, (kx - 1) * dx + 1 - pl - pr) + r.nextInt(30);
            ConvGeometry g = new ConvGeometry(c, h, w, k, ky, kx, sy, sx, pt, pl, pb, pr, dy, dx, 1);
            strided += sx > 2 ? 1 : 0;
            short[] weights = new short[k * c * ky * kx];
            RandomLayers.fill(r, weights, 0.1);
            QLayer layer = new QLayer("phases" + i, g, weights, 14, null, 0, 8, 8);
            short[] in = new short[c * h * w];
            RandomLayers.fill(r, in, r.nextDouble() * 0.5);
            WindowSums.force(WindowSums.Kernel.DENSE);
            assertArrayEquals(WindowSums.literalSums(layer, in), WindowSums.sums(layer, in), "layer " + i + " " + g);
        }
        assertTrue(strided > 30, "strides of 3 or 4 seen: " + strided);
    }
    /**
     * Winograd's F(2x2, 3x3) ({@link WinogradSums}) gives the literal window sums too: on 3x3,
     * stride-1 layers with asymmetric padding of 0 to 2, maps of odd and even sizes down to one
     * output (a tile half outside the layer), tile rows that end mid-vector, filters past a register
     * block and past a sum block, groups, and every fourth layer at the extremes of 16 bits, where
     * the transformed values are largest (|U'| = 9 * 2^15, |V| = 2^17); a few maps large enough to
     * take several bands of tiles, and some whose sums outgrow L2 in the one band their weights ask for. An output transform or a weight transform off by one entry, or
     * a tile read at the wrong column phase, changes a sum here.
     */
    @Test
    void winogradTilesGiveTheLiteralWindowSums() {
        assumeTrue(io.cnv2.Simd.enabled(), "Winograd's kernel needs the Vector API");
        Random r = new Random(1605);
        int extremes = 0;
        int banded = 0;
        int oneBand = 0;
        for (int i = 0; i < 160; i++) {
            boolean large = i % 40 == 5;
            int[] d = winogradDraws(r, i, large ? 60 : 17, large ? 60 : 23);
            if (large) {
                d[H] += 40;
                d[W] += 40;
                d[C] = 3;
                d[K] = 1 + r.nextInt(30);
            }
            if (i % 40 == 25) {
                // many channels on a small map: weights past L2, one band
                d[GROUPS] = 1;
                d[C] = 200 + r.nextInt(60);
                d[K] = 65 + r.nextInt(32);
                d[H] = 14 + r.nextInt(5);
                d[W] = 14 + r.nextInt(5);
            }
            ConvGeometry g = winogradGeometry(d);
            assertTrue(WinogradSums.suits(g), g.toString());
            banded += WinogradSums.band(g) < WinogradSums.paddedTiles(g) ? 1 : 0;
            oneBand += WinogradSums.band(g) == WinogradSums.paddedTiles(g)
                    && WinogradSums.paddedTiles(g) * 16L * ((d[K] / d[GROUPS] + 31) / 32 * 32) * 8 > 512 * 1024 ? 1 : 0;
            extremes += winogradLayerGivesTheLiteralSums(r, g, i % 4 == 0, false, WindowSums.Kernel.WINOGRAD, "winograd" + i);
        }
        assertTrue(extremes >= 40, "extremes seen: " + extremes);
        assertTrue(banded >= 2, "layers of several bands seen: " + banded);
        assertTrue(oneBand >= 2, "layers in one band past L2 seen: " + oneBand);
    }
    /**
     * Winograd's F(4x4, 3x3) ({@link Winograd4Sums}) gives the literal window sums: the same kinds
     * of layers as above (asymmetric padding, maps down to one output, so tiles three quarters
     * outside the layer, groups, filters past a register block), every fourth at the extremes of 16
     * bits, where the products and sums are largest, and some with 1024 channels, the most it takes,
     * there too at the extremes (M'' near 2^51, the exact split of the output transform needed); a
     * few maps large enough for several bands. A transform entry off by one, a split that drops a
     * bit or an output read from the wrong tile changes a sum here.
     */
    @Test
    void winograd4TilesGiveTheLiteralWindowSums() {
        assumeTrue(io.cnv2.Simd.enabled(), "Winograd's kernel needs the Vector API");
        Random r = new Random(4343);
        int extremes = 0;
        int banded = 0;
        int local = 0;
        int widest = 0;
        for (int i = 0; i < 120; i++) {
            boolean large = i % 30 == 5;
            int[] d = winogradDraws(r, i, large ? 60 : 21, large ? 60 : 27);
            if (large) {
                d[H] += 40;
                d[W] += 40;
                d[C] = d[GROUPS] * (3 + r.nextInt(8));
                d[K] = d[GROUPS] * (20 + r.nextInt(50));
            }
            if (i % 30 == 20) {
                d[GROUPS] = 1;
                d[C] = Winograd4Sums.MAX_CHANNELS;
                d[K] = 1 + r.nextInt(40);
                d[H] = 3 + r.nextInt(6);
                d[W] = 3 + r.nextInt(6);
                widest++;
            }
            ConvGeometry g = winogradGeometry(d);
            assertTrue(Winograd4Sums.suits(g), g.toString());
            banded += Winograd4Sums.band(g) < Winograd4Sums.paddedTiles(g) ? 1 : 0;
            local += Winograd4Sums.bandLocal(g) ? 1 : 0;
            boolean extreme = i % 4 == 0 || i % 30 == 20;
            // all of one sign where it matters most: every product of a tile's corner adds up
            boolean same = extreme && r.nextBoolean();
            extremes += winogradLayerGivesTheLiteralSums(r, g, extreme, same, WindowSums.Kernel.WINOGRAD4, "winograd4-" + i);
        }
        assertTrue(extremes >= 30, "extremes seen: " + extremes);
        assertTrue(banded >= 2, "layers of several bands seen: " + banded);
        assertTrue(local >= 2, "layers transformed band by band seen: " + local);
        assertTrue(widest >= 4, "layers of the most channels seen: " + widest);
        // the largest tiles: 1024 channels of one 6x6 tile whose values near 2^15 take the signs of rows
        // i and j of B^T, against positive weights near 2^15, so that M''(i, j) sums 1024 products of
        // one sign near 2^40 (up to 2^50.8 in all) and the output transform works on the largest values
        // it can meet
        int[][] signs = {{1, -1, -1, 1, 1, 1}, {1, 1, -1, -1, 1, 1}, {1, -1, -1, 1, 1, 1}, {1, 1, -1, -1, 1, 1}};
        int[][] rowsOfB = {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {3, 4}, {1, 3}, {3, 3}, {4, 4}, {3, 4}, {4, 3}};
        for (int[] ij : rowsOfB) {
            int c = Winograd4Sums.MAX_CHANNELS;
            int k = 3;
            ConvGeometry g = new ConvGeometry(c, 6, 6, k, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1);
            short[] in = new short[c * 36];
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < 6; y++) {
                    for (int x = 0; x < 6; x++) {
                        in[ch * 36 + y * 6 + x] = (short) (signs[ij[0] - 1][y] * signs[ij[1] - 1][x] * (32767 - r.nextInt(256)));
                    }
                }
            }
            short[] weights = new short[k * c * 9];
            for (int j = 0; j < weights.length; j++) {
                weights[j] = (short) (32767 - r.nextInt(256));
            }
            QLayer layer = new QLayer("worst-tile", g, weights, 14, null, 0, 8, 8);
            WindowSums.force(WindowSums.Kernel.WINOGRAD4);
            assertArrayEquals(WindowSums.literalSums(layer, in), WindowSums.sums(layer, in), "rows " + ij[0] + ", " + ij[1]);
        }
    }
    private static final int GROUPS = 0;
    private static final int C = 1;
    private static final int K = 2;
    private static final int H = 7;
    private static final int W = 8;

    /**
     * The Winograd tests' draws for layer i: groups (two every seventh), channels, filters,
     * padding 0-2 on each side and a map of {@code hSpan} x {@code wSpan} sizes from one output up,
     * as {groups, c, k, top, left, bottom, right, h, w} for the caller to change.
     */
    private static int[] winogradDraws(Random r, int i, int hSpan, int wSpan) {
        int groups = i % 7 == 0 ? 2 : 1;
        int c = groups * (1 + r.nextInt(i % 3 == 0 ? 70 : 12));
        int k = groups * (1 + r.nextInt(i % 2 == 0 ? 110 : 20));
        int pt = r.nextInt(3);
        int pl = r.nextInt(3);
        int pb = r.nextInt(3);
        int pr = r.nextInt(3);
        int h = Math.max(1, 3 - pt - pb) + r.nextInt(hSpan);
        int w = Math.max(1, 3 - pl - pr) + r.nextInt(wSpan);
        return new int[] {groups, c, k, pt, pl, pb, pr, h, w};
    }

    private static ConvGeometry winogradGeometry(int[] d) {
        return new ConvGeometry(d[C], d[H], d[W], d[K], 3, 3, 1, 1, d[3], d[4], d[5], d[6], 1, 1, d[GROUPS]);
    }

    /**
     * Random weights and activations for {@code g} (or, {@code extreme}, every value at the 16-bit
     * extremes, of one sign if {@code same}), the kernel forced: its sums must be the literal ones.
     * Returns 1 for an extreme layer.
     */
    private static int winogradLayerGivesTheLiteralSums(Random r, ConvGeometry g, boolean extreme, boolean same,
                                                        WindowSums.Kernel kernel, String name) {
        short[] weights = new short[g.filters() * g.channelsPerGroup() * 9];
        RandomLayers.fill(r, weights, 0.1);
        short[] in = new short[g.channels() * g.height() * g.width()];
        RandomLayers.fill(r, in, r.nextDouble());
        if (extreme) {
            for (int j = 0; j < in.length; j++) {
                in[j] = same || r.nextBoolean() ? Short.MIN_VALUE : Short.MAX_VALUE;
            }
            for (int j = 0; j < weights.length; j++) {
                weights[j] = same || r.nextInt(4) != 0 ? Short.MIN_VALUE : Short.MAX_VALUE;
            }
        }
        QLayer layer = new QLayer(name, g, weights, 14, null, 0, 8, 8);
        WindowSums.force(kernel);
        assertArrayEquals(WindowSums.literalSums(layer, in), WindowSums.sums(layer, in), name + " " + g);
        return extreme ? 1 : 0;
    }
}
