package io.cnv2.hw.brick;

import io.cnv2.hw.QLayer;

import io.cnv2.ir.ConvGeometry;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Exact window sums of a conv or fully connected layer, fast, by the rule Cnvlutin itself is
 * built on: an ineffectual activation contributes nothing (CNV2-MODEL.md section 4, rule 7), so
 * only the effectual ones are multiplied. Each input pixel's effectual activations are packed
 * once, in the manner of ZFNAf, as (value, channel) pairs in channel order; then, for a block of
 * {@link #NB} filters and one output position, every effectual activation of every tap of the
 * window is broadcast against the block's weights for its channel and tap, into eight vector
 * accumulators. The weights a block needs for a chunk of channels and a few taps stay in L1
 * while the positions sweep past.
 *
 * <p>The integers are summed in double precision with fused multiply-add, which is exact here:
 * every product is an integer of magnitude at most 2^30 and every partial sum at most
 * fanIn * 2^30, below 2^53 whenever fanIn < 2^23, so no rounding ever happens and, integer
 * addition being associative (section 2, rule 3), any order gives the lane-by-lane answer. The
 * dense baseline uses the same sums: leaving out a zero product changes no sum. Larger fan-ins
 * take a scalar long path.
 *
 * <p>A conv whose kernel rows hold only a few activations (one input channel, a depthwise layer)
 * leaves the sparse kernel a handful of pairs per row, so its per-row bookkeeping dominates;
 * there the register-blocked {@link DenseWindowsSimd} multiplies every activation, zeros
 * included, which gives the same integers ({@code WindowSumsKernelsRuleTest}).
 */
public final class WindowSums {
    /** Largest fan-in for which double sums of 16-bit products are exact: fanIn * 2^30 < 2^53. */
    public static final int EXACT_DOUBLE_FAN_IN = (1 << 23) - 1;
    /** Filters per block: eight vector accumulators (32 filters on the scalar path). */
    public static final int NB = io.cnv2.Simd.enabled() ? WindowSumsSimd.BLOCK : 32;
    /**
     * Filters of a wide block: twelve vector accumulators, for a group of more than {@link #NB}
     * and at most this many filters (48, say), which would otherwise take a full block and a
     * half one, each pair of the half block paying a whole block's loop for half its products.
     */
    static final int WIDE = io.cnv2.Simd.enabled() ? WindowSumsSimd.WIDE_BLOCK : NB;
    /** Channels per chunk: a chunk's weights for one kernel row of three taps and one block are 24 KiB. */
    private static final int CC = 32;
    /** Bytes of weights a (block, chunk, taps) slice may hold so that it stays in the 32 KiB L1. */
    private static final int L1_WEIGHT_BYTES = 24 * 1024;
    /**
     * Bytes of sums a tile of output rows may hold: every (chunk, kernel rows) slice of weights
     * passes over one tile before the next, so the tile's sums stay in L2 between passes instead of
     * streaming from memory once per pass (ResNet's first layer: 112 x 112 positions of 64 sums,
     * 6.4 MB, four passes of two kernel rows; layer1: 1.6 MB, six passes). Speed only: each sum
     * gets the same products.
     */
    static final int ACC_TILE_BYTES = 256 * 1024;
    /**
     * Bytes of a block's weights (every tap and channel) above which they cannot stay in L2 from
     * one image to the next, so each (chunk, kernel rows) slice arrives from L3 or memory the first
     * time a position needs it: {@link #warm} reads the slice in order before the positions do.
     */
    static final int WARM_ABOVE_BYTES = 512 * 1024;
    /**
     * Doubles before the first weight of a packed layer and before the first sum: a double[]'s
     * data begins 16 bytes into the object, so with objects on 64-byte boundaries
     * ({@code -XX:ObjectAlignmentInBytes=64}, which the cnv2 command sets) index 6 starts a cache
     * line, and every vector of weights or sums (a whole line on AVX-512, half of one on AVX2)
     * lies in one line. A load split across two lines costs about 1.5x (on AVX-512 a 64-byte
     * vector at any other offset always splits); without the flag the offset is as random as
     * before. Speed only: the sums are the same integers at any offset.
     */
    static final int PAD = 6;
    /** Weights of each layer in the kernel's layout, built once per layer. */
    private static final Map<QLayer, double[]> WEIGHTS = Collections.synchronizedMap(new WeakHashMap<>());
    /**
     * Weights of each single-position layer ({@link #streamed}) in the kernel's layout as 16-bit
     * integers, built once per layer: a quarter of the doubles' bytes.
     */
    private static final Map<QLayer, short[]> STREAMED_WEIGHTS = Collections.synchronizedMap(new WeakHashMap<>());
    /** Weights of each layer in the dense kernel's layout ({@link DenseWindowsSimd}), built once per layer. */
    private static final Map<QLayer, double[]> DENSE_WEIGHTS = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * Which kernel computes the sums: both give the same exact integers, so the choice is speed
     * only. {@code AUTO} takes Winograd's F(2x2, 3x3) or F(4x4, 3x3) where their fewer products cost
     * least ({@link #winograd}),
     * else the dense one where multiplying the zeros costs less than skipping them; tests and
     * benchmarks force any of them to hold them equal and to time them.
     */
    public enum Kernel { AUTO, SPARSE, DENSE, WINOGRAD, WINOGRAD4 }

    private static volatile Kernel kernel = Kernel.AUTO;

    /** Forces a kernel (tests and benchmarks); {@code AUTO} restores the choice by cost. */
    public static void force(Kernel k) {
        kernel = k;
    }

    private WindowSums() {
    }

    /** A per-thread buffer that only grows. */
    private static final class Scratch<T> {
        private T data;
        private final java.util.function.IntFunction<T> make;
        private final java.util.function.ToIntFunction<T> size;

        Scratch(java.util.function.IntFunction<T> make, java.util.function.ToIntFunction<T> size) {
            this.make = make;
            this.size = size;
        }

        T take(int n) {
            if (data == null || size.applyAsInt(data) < n) {
                data = make.apply(n);
            }
            return data;
        }
    }

    private static final ThreadLocal<Scratch<double[]>> VALUES =
            ThreadLocal.withInitial(() -> new Scratch<>(double[]::new, a -> a.length));
    private static final ThreadLocal<Scratch<double[]>> GRID =
            ThreadLocal.withInitial(() -> new Scratch<>(double[]::new, a -> a.length));
    private static final ThreadLocal<Scratch<double[]>> ACC =
            ThreadLocal.withInitial(() -> new Scratch<>(double[]::new, a -> a.length));
    private static final ThreadLocal<Scratch<int[]>> CODES =
            ThreadLocal.withInitial(() -> new Scratch<>(int[]::new, a -> a.length));
    private static final ThreadLocal<Scratch<int[]>> STARTS =
            ThreadLocal.withInitial(() -> new Scratch<>(int[]::new, a -> a.length));

    private static int blocks(ConvGeometry g) {
        if (streamed(g)) {
            return 1;
        }
        int bw = width(g);
        return (g.filtersPerGroup() + bw - 1) / bw;
    }

    /**
     * Filters per block of the layer, and the stride of its weights and sums: {@link #NB}, or
     * {@link #WIDE}; a {@link #streamed} layer's one block holds every filter of a group (rounded
     * up to whole vectors).
     */
    static int width(ConvGeometry g) {
        int k = g.filtersPerGroup();
        if (streamed(g)) {
            int v = WindowSumsSimd.lanes();
            return (k + v - 1) / v * v;
        }
        return k > NB && k <= WIDE ? WIDE : NB;
    }

    /**
     * Whether the layer's weights stream from memory: a layer with one output position (fully
     * connected) uses each weight once per input, so no cache keeps them between uses and the
     * sum's time is the bytes read and the latency of reaching them. Such a layer keeps its
     * weights as 16-bit integers, widened to double in registers (exact), every filter of a
     * channel in one contiguous run, and each effectual activation adds its whole run into sums
     * kept in L1: one sequential read per activation rather than one scattered line per block
     * (three times faster on the shipped CNN's 3136 x 128 layer).
     */
    static boolean streamed(ConvGeometry g) {
        return io.cnv2.Simd.enabled() && NB == WindowSumsSimd.BLOCK && g.outY() * g.outX() == 1;
    }

    /** Where the sums go: sum of output {@code index = (k * Oy + oy) * Ox + ox}, filter k. */
    interface Sink {
        void put(int index, int k, long sum);

        /**
         * The sums of filters k0 .. k0 + count - 1 at every position, held as integers in
         * doubles at {@code sums[from + p * stride + (k - k0)]}.
         */
        default void putBlock(double[] sums, int from, int stride, int positions, int k0, int count) {
            for (int k = 0; k < count; k++) {
                for (int p = 0; p < positions; p++) {
                    put((k0 + k) * positions + p, k0 + k, (long) sums[from + p * stride + k]);
                }
            }
        }
    }

    /**
     * Exact sums of {@code input} ([C][H][W], ineffectual activations already zeroed by the
     * caller when it skips them) with the layer's weights: {@code sums[(k * Oy + oy) * Ox + ox]}.
     */
    public static long[] sums(QLayer layer, short[] input) {
        ConvGeometry g = layer.geometry();
        long[] sums = new long[g.filters() * g.outY() * g.outX()];
        into(layer, input, (index, k, sum) -> sums[index] = sum);
        return sums;
    }

    /** The same sums, each handed to {@code sink} once (the output stage finishes them as they come). */
    public static void into(QLayer layer, short[] input, Sink sink) {
        ConvGeometry g = layer.geometry();
        if (layer.fanIn() > EXACT_DOUBLE_FAN_IN) {
            scalarSums(layer, input, sink);
            return;
        }
        boolean streamed = streamed(g);
        double[] w = streamed ? null : WEIGHTS.computeIfAbsent(layer, WindowSums::packWeights);
        short[] ws = streamed ? STREAMED_WEIGHTS.computeIfAbsent(layer, WindowSums::packShortWeights) : null;
        int cg = g.channelsPerGroup();
        int plane = g.height() * g.width();
        int positions = g.outY() * g.outX();
        int cc = chunkChannels(g);
        int chunks = (cg + cc - 1) / cc;
        int nb = blocks(g);
        int bw = width(g);
        // scratch reused per thread: megabytes for early layers
        double[] values = VALUES.get().take(plane * cg);
        int[] codes = CODES.get().take(plane * cg);
        int[] starts = STARTS.get().take(chunks * (plane + 1));
        double[] acc = ACC.get().take(PAD + nb * positions * bw);
        int wp = w != null ? PAD : 0;
        for (int group = 0; group < g.groups(); group++) {
            int a0 = 0;
            int form = streamed ? 0 : winograd(g, input, group);
            if (form == 4) {
                Winograd4Sums.sums(layer, input, group, acc, bw);
            } else if (form == 2) {
                WinogradSums.sums(layer, input, group, acc, bw);
            } else if (dense(g, input, group)) {
                double[] wd = DENSE_WEIGHTS.computeIfAbsent(layer, DenseWindowsSimd::pack);
                double[] grid = GRID.get().take(DenseWindowsSimd.gridSize(g));
                DenseWindowsSimd.grid(g, input, group, grid);
                DenseWindowsSimd.sums(g, grid, wd, group * DenseWindowsSimd.tiles(g) * cg * g.kernelY() * g.kernelX()
                        * DenseWindowsSimd.F, acc, bw);
            } else {
                pack(g, input, group, values, codes, starts, chunks, cc, bw);
                a0 = PAD;
                java.util.Arrays.fill(acc, a0, a0 + nb * positions * bw, 0);
                for (int b = 0; b < nb; b++) {
                    // a last block with at most half its filters multiplies only that half (80 filters: 96 -> 80 products)
                    boolean half = !streamed && bw == NB && g.filtersPerGroup() - b * NB <= NB / 2;
                    multiply(g, values, codes, starts, chunks, cc, bw, w, ws,
                            wp + (group * nb + b) * g.kernelY() * g.kernelX() * cg * bw, acc, a0 + b * positions * bw,
                            half);
                }
            }
            for (int b = 0; b < nb; b++) {
                int k0 = b * bw;
                sink.putBlock(acc, a0 + b * positions * bw, bw, positions, group * g.filtersPerGroup() + k0,
                        Math.min(bw, g.filtersPerGroup() - k0));
            }
        }
    }

    /**
     * True when the group's sums take the dense kernel: where multiplying the zeros costs less than
     * skipping them. Per product the dense kernel is the faster (its weights are loaded once for P
     * positions), so it wins below a fraction of zeros that depends on how many effectual pairs a
     * kernel row gives the sparse kernel per call: few (a first layer on an image) or many.
     */
    private static boolean dense(ConvGeometry g, short[] input, int group) {
        Kernel k = kernel;
        if (!io.cnv2.Simd.enabled() || width(g) % DenseWindowsSimd.F != 0 || k == Kernel.SPARSE) {
            return false;
        }
        if (k == Kernel.DENSE) {
            return true;
        }
        if (g.outX() < DenseWindowsSimd.P) {
            return false;
        }
        int row = g.kernelX() * Math.min(CC, g.channelsPerGroup());
        if (row < DENSE_BELOW) {
            return true;
        }
        // a row's last tile computes positions past its end: at 7 positions a row, 3 of 10 are waste
        if (row >= DENSE_IF_FULL_BELOW && g.outX() < DENSE_FILL * DenseWindowsSimd.tiledWidth(g)) {
            return false;
        }
        return zeros(g, input, group) < (row < DENSE_IF_FULL_BELOW ? DENSE_ZEROS_SHORT_ROWS : DENSE_ZEROS);
    }

    /**
     * Which Winograd kernel takes the group's sums: 4 for F(4x4, 3x3) ({@link Winograd4Sums}), 2 for
     * F(2x2, 3x3) ({@link WinogradSums}), 0 for neither. A 3x3, stride-1 layer takes the one whose
     * cost is least, if it is below the direct kernels': 9 products a position, all of them (dense)
     * or the effectual ones (sparse) at {@link #WINOGRAD_SPARSE_COST} times the cost each (the sparse
     * kernel loads a weight vector per FMA, the others one per five). A Winograd kernel's cost per
     * tile, channel and filter is its products (16 or 36) plus its other work spread over the
     * channels ({@link #F2_OTHER_WORK}, {@link #F4_OTHER_WORK}). Only on
     * AVX-512 (eight doubles a vector), where the 20-accumulator block fits the registers.
     */
    private static int winograd(ConvGeometry g, short[] input, int group) {
        Kernel k = kernel;
        // the Winograd classes hold vectors: a JVM without the Vector API module must never load them
        if (!io.cnv2.Simd.enabled() || k == Kernel.SPARSE || k == Kernel.DENSE || !WinogradSums.suits(g)) {
            return 0;
        }
        if (k == Kernel.WINOGRAD) {
            return 2;
        }
        if (k == Kernel.WINOGRAD4) {
            return Winograd4Sums.suits(g) ? 4 : 2;
        }
        if (WindowSumsSimd.lanes() < 8) {
            return 0;
        }
        int cg = g.channelsPerGroup();
        double f2 = WinogradSums.paddedTiles(g) < WINOGRAD_MIN_TILES || WinogradSums.scratchBytes(g) > WINOGRAD_MAX_SCRATCH
                ? Double.MAX_VALUE : WinogradSums.paddedTiles(g) * (16.0 + F2_OTHER_WORK / cg);
        double f4 = !Winograd4Sums.suits(g) || Winograd4Sums.paddedTiles(g) < WINOGRAD4_MIN_TILES
                || Winograd4Sums.scratchBytes(g) > WINOGRAD_MAX_SCRATCH
                || Winograd4Sums.weightBytes(g) > WINOGRAD4_MAX_WEIGHT_BYTES
                ? Double.MAX_VALUE : Winograd4Sums.paddedTiles(g) * (36.0 + F4_OTHER_WORK / cg);
        double direct = 9.0 * g.outY() * g.outX() * Math.min(1.0, WINOGRAD_SPARSE_COST * (1 - zeros(g, input, group)));
        if (Math.min(f2, f4) >= direct) {
            return 0;
        }
        return f4 < f2 ? 4 : 2;
    }

    /**
     * F(2x2, 3x3)'s output transform per tile and filter vector, in vector operations (16 loads, 16
     * adds, 4 scalings and 4 stores): on a layer of C channels it adds 50 / C to the 16 products
     * per tile, channel and filter.
     */
    private static final double F2_OTHER_WORK = 50;
    /**
     * F(4x4, 3x3)'s work besides its products per tile and filter vector, in products of one
     * channel: its input and output transforms and the padded grid, measured, not counted (a count
     * of the output transform's vector operations gave 370, and had it take ResNet-18's layer1 at
     * 80 % zeros in 2.1-2.3 ms against the sparse kernel's 1.8). With 1500, layer1's shape (200
     * tiles, 64 channels) goes to F(4x4, 3x3) below about 74 % zeros (at 70 % 2.44 ms against the
     * sparse 2.40, at 50 % 2.3-2.6 against 3.4-3.7), layer2's (50 tiles, 128 channels) below about
     * 79 % (at 80 % 1.6-1.7 against the sparse 1.57, at 70 % 1.70 against 2.16; Z4, layer
     * harness, issue #23).
     */
    private static final double F4_OTHER_WORK = 1500;
    /**
     * Least tiles for F(4x4, 3x3): its transformed weights (four times the direct ones' bytes) are
     * read once per group, so they need enough tiles to pay for (ResNet-18's 28x28 maps have 49).
     */
    private static final int WINOGRAD4_MIN_TILES = 20;
    /**
     * Most bytes of F(4x4, 3x3)'s transformed weights: past this they stream from memory once per
     * image at more cost than the products they save (ResNet-18's 14x14 layers: 256 x 256 filters
     * take 18.9 MB against F(2x2, 3x3)'s 8.4 MB, for 28 % fewer products).
     */
    private static final long WINOGRAD4_MAX_WEIGHT_BYTES = 8L << 20;

    /**
     * Cost of an effectual product on the sparse kernel against one on the dense or Winograd
     * kernels' register blocks: 45 against 28 G products a second (Zen 5, issue #23).
     */
    private static final double WINOGRAD_SPARSE_COST = 1.6;
    /**
     * Least tiles for Winograd's kernel: its transformed weights (16/9 of the direct ones' bytes)
     * are read once per group, so they need enough tiles to pay for. ResNet-18's 56x56, 28x28 and
     * 14x14 maps (785, 200, 50 padded tiles) take 1.5-1.6 ms against the sparse kernel's 2.5-2.9 at
     * 50 % zeros; its 7x7 maps (20) 4.7 ms against 2.2 (sums only, Zen 5, issue #23).
     */
    private static final int WINOGRAD_MIN_TILES = 40;
    /**
     * Most scratch a layer may take for Winograd's kernel (its transformed input is four times the
     * input): a segmentation network's 1024 x 2048 maps stay on the direct kernels, whose scratch is
     * the input's size, rather than taking gigabytes. ResNet-18's largest takes 8 MiB with its sums.
     */
    private static final long WINOGRAD_MAX_SCRATCH = 64L << 20;

    /**
     * Activations per kernel row below which the dense kernel is faster up to
     * {@link #DENSE_ZEROS_SHORT_ROWS} zeros: ResNet's first layer (3 channels, 7x7: 21 a row) takes
     * 2.5-2.7 ms dense at any fraction of zeros, sparse 3.3 ms at 50 %, 2.8-3.0 at 60 %, 2.4-2.7
     * at 70 % (sums only, Zen 5, five-position tiles, issue #23).
     */
    private static final int DENSE_IF_FULL_BELOW = 32;
    /** Fraction of zero activations below which a layer of short kernel rows takes the dense kernel. */
    private static final double DENSE_ZEROS_SHORT_ROWS = 0.6;
    /**
     * Fraction of zero activations below which a layer of long kernel rows takes the dense kernel:
     * ResNet-18's 3x3 layers at 30 % zeros, dense against sparse (ms, sums only, Zen 5): 56x56x64
     * 3.2 / 3.15, 28x28x128 2.7 / 3.0, 14x14x256 2.6 / 2.8; at 40 % the sparse kernel wins on
     * 56x56 (2.7 against 3.25).
     */
    private static final double DENSE_ZEROS = 0.3;
    /**
     * Least fraction of a row's tiled positions that are real for a layer of long rows to take the
     * dense kernel (ResNet's 7x7 maps fill 7 of 10 with five-position tiles).
     */
    private static final double DENSE_FILL = 0.9;

    /**
     * The fraction of zeros among the group's activations, from every seventh (the choice of
     * kernel is speed only, so a sample does: an image has almost none, a ReLU map about half).
     */
    private static double zeros(ConvGeometry g, short[] input, int group) {
        int n = g.channelsPerGroup() * g.height() * g.width();
        int from = group * n;
        int seen = 0;
        int zero = 0;
        for (int i = from; i < from + n; i += 7) {
            seen++;
            zero += input[i] == 0 ? 1 : 0;
        }
        return (double) zero / Math.max(1, seen);
    }

    /**
     * Activations per kernel row (Kx times the channels of a chunk) below which the dense kernel is
     * faster whatever the input: measured by thread CPU time on the shipped CNN's first layer (1
     * channel, 3x3: 3 per row; 48 against 82 us a layer), while at 72 (24 channels) the sparse
     * kernel takes 0.7 of the dense one's time; in between it depends on the zeros
     * ({@link #DENSE_IF_FULL_BELOW}).
     */
    private static final int DENSE_BELOW = 8;

    /**
     * Weights as doubles [group][block][tap][c][bw], tap = ky * Kx + kx, bw the layer's
     * {@link #width}: the filters of a block for one channel and tap are eight (or twelve)
     * adjacent vectors; filters past the group's count are zero.
     */
    private static double[] packWeights(QLayer layer) {
        ConvGeometry g = layer.geometry();
        double[] w = new double[PAD + g.groups() * blocks(g) * g.kernelY() * g.kernelX() * g.channelsPerGroup() * width(g)];
        layout(layer, (i, v) -> w[PAD + i] = v);
        return w;
    }

    /** {@link #packWeights}' layout in 16-bit integers, for a {@link #streamed} layer. */
    private static short[] packShortWeights(QLayer layer) {
        ConvGeometry g = layer.geometry();
        short[] w = new short[g.groups() * blocks(g) * g.kernelY() * g.kernelX() * g.channelsPerGroup() * width(g)];
        layout(layer, (i, v) -> w[i] = (short) v);
        return w;
    }

    /** Where a weight goes in a packed array. */
    private interface WeightAt {
        void at(int index, short weight);
    }

    /** Hands each weight of the layer to {@code put} with its index in the kernel's layout. */
    private static void layout(QLayer layer, WeightAt put) {
        ConvGeometry g = layer.geometry();
        int cg = g.channelsPerGroup();
        int kg = g.filtersPerGroup();
        int taps = g.kernelY() * g.kernelX();
        int nb = blocks(g);
        int bw = width(g);
        short[] q = layer.weights();
        for (int k = 0; k < g.filters(); k++) {
            int group = k / kg;
            int kk = k % kg;
            int base = (group * nb + kk / bw) * taps * cg * bw + kk % bw;
            for (int c = 0; c < cg; c++) {
                for (int t = 0; t < taps; t++) {
                    put.at(base + (t * cg + c) * bw, q[(k * cg + c) * taps + t]);
                }
            }
        }
    }

    /**
     * Channels per chunk: {@link #CC}, so that a chunk's weights stay in L1 while the positions
     * sweep past; a layer with one output position (fully connected) reuses no weight across
     * positions, so its channels form one chunk and each block's sum is one run over all its pairs.
     */
    private static int chunkChannels(ConvGeometry g) {
        return g.outY() * g.outX() == 1 ? Math.max(1, g.channelsPerGroup()) : CC;
    }

    /**
     * Packs the group's effectual (non-zero) activations, chunk by chunk of {@link #CC}
     * channels, pixel by pixel in raster order, as (value, code) pairs with code =
     * (x * cg + c) * bw; {@code starts[ch * (plane + 1) + pixel]} is where the pixel's pairs of
     * chunk ch begin. A kernel row over consecutive pixels is then one contiguous run of pairs,
     * and the code locates each pair's weights once the row's base is added. From {@link PixelBits#MIN_CHANNELS}
     * on only the effectual pairs are visited ({@link PixelBits#perPixel}); below, branch-free:
     * every activation is written and the cursor advances only past effectual ones.
     */
    private static void pack(ConvGeometry g, short[] in, int group, double[] values, int[] codes, int[] starts,
                             int chunks, int cc, int bw) {
        int cg = g.channelsPerGroup();
        int width = g.width();
        int plane = g.height() * width;
        int c0 = group * cg;
        int n = 0;
        // from 16 channels only the effectual pairs are visited: each pixel's channels as words of bits
        // (PixelBits, the effectual test v != 0, bound 1), then their set bits in channel order
        long[] pixels = cg >= PixelBits.MIN_CHANNELS ? PixelBits.perPixel(in, c0, cg, plane, 1) : null;
        int words = PixelBits.words(cg);
        for (int ch = 0; ch < chunks; ch++) {
            int end = Math.min(cg, (ch + 1) * cc);
            int s = ch * (plane + 1);
            for (int pixel = 0; pixel < plane; pixel++) {
                starts[s + pixel] = n;
                int xc = (pixel % width) * cg;
                if (pixels != null) {
                    for (int c = ch * cc; c < end; c += 64) {
                        for (long m = Bits.get(pixels, pixel * words, c, Math.min(64, end - c)); m != 0; m &= m - 1) {
                            int k = c + Long.numberOfTrailingZeros(m);
                            values[n] = in[(c0 + k) * plane + pixel];
                            codes[n] = (xc + k) * bw;
                            n++;
                        }
                    }
                    continue;
                }
                for (int c = ch * cc; c < end; c++) {
                    short v = in[(c0 + c) * plane + pixel];
                    values[n] = v;
                    codes[n] = (xc + c) * bw;
                    n += v != 0 ? 1 : 0;
                }
            }
            starts[s + plane] = n;
        }
    }

    /**
     * One block's sums over every position: per chunk of channels and run of kernel rows whose
     * weights fit in L1, each position adds, kernel row by kernel row, the effectual pairs of
     * the row's pixels (one contiguous run when the kernel is not dilated) times the block's
     * weights; the positions go a tile of output rows at a time ({@link #ACC_TILE_BYTES}).
     */
    private static void multiply(ConvGeometry g, double[] values, int[] codes, int[] starts, int chunks, int cc,
                                 int bw, double[] w, short[] ws, int w0, double[] acc, int a0, boolean half) {
        int tileRows = Math.max(1, ACC_TILE_BYTES / (g.outX() * bw * 8));
        for (int oy0 = 0; oy0 < g.outY(); oy0 += tileRows) {
            multiplyRows(g, values, codes, starts, chunks, cc, bw, w, ws, w0, acc, a0, half, oy0,
                    Math.min(g.outY(), oy0 + tileRows));
        }
    }

    /** {@link #multiply} for output rows oy0 .. oy1 - 1: one tile of sums. */
    private static void multiplyRows(ConvGeometry g, double[] values, int[] codes, int[] starts, int chunks, int cc,
                                     int bw, double[] w, short[] ws, int w0, double[] acc, int a0, boolean half,
                                     int oy0, int oy1) {
        int cg = g.channelsPerGroup();
        int kx = g.kernelX();
        int width = g.width();
        int plane = g.height() * width;
        int run = Math.max(1, L1_WEIGHT_BYTES / (kx * Math.min(cc, cg) * bw * 8));
        boolean contiguous = g.dilationX() == 1;
        boolean warm = w != null && warms(g);
        for (int ch = 0; ch < chunks; ch++) {
            int s0 = ch * (plane + 1);
            for (int ky0 = 0; ky0 < g.kernelY(); ky0 += run) {
                int ky1 = Math.min(g.kernelY(), ky0 + run);
                if (warm) {
                    warm(w, w0, g, ch * cc, Math.min(cc, cg - ch * cc), bw, ky0, ky1);
                }
                int p = oy0 * g.outX();
                for (int oy = oy0; oy < oy1; oy++) {
                    for (int ox = 0; ox < g.outX(); ox++, p++) {
                        int o = a0 + p * bw;
                        int ix0 = ox * g.strideX() - g.padLeft();
                        for (int ky = ky0; ky < ky1; ky++) {
                            int iy = oy * g.strideY() - g.padTop() + ky * g.dilationY();
                            if (iy < 0 || iy >= g.height()) {
                                continue;
                            }
                            int rowStart = s0 + iy * width;
                            // weights of tap (ky, x - ix0) for code (x * cg + c) * bw
                            int wt = w0 + (ky * kx - ix0) * cg * bw;
                            if (contiguous) {
                                int lo = Math.max(0, ix0);
                                int hi = Math.min(width, ix0 + kx);
                                if (lo < hi) {
                                    tap(values, codes, starts[rowStart + lo], starts[rowStart + hi], w, ws, wt, acc, o,
                                            bw, half);
                                }
                            } else {
                                for (int x = 0; x < kx; x++) {
                                    int ix = ix0 + x * g.dilationX();
                                    if (ix >= 0 && ix < width) {
                                        tap(values, codes, starts[rowStart + ix], starts[rowStart + ix + 1], w, ws,
                                                wt + (x - (ix - ix0)) * cg * bw, acc, o, bw, half);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Reads one double of every cache line of the block's weights for channels c0 .. c0 + n - 1
     * and kernel rows ky0 .. ky1 - 1 (one run of n * bw doubles per tap), front to back, before
     * the positions use them. The positions' own first reads of a slice that is not in cache come
     * in the order of the effectual channels, a line here and there, each waiting for memory; read
     * in order, the lines stream in at the prefetchers' pace. ResNet-18's layer4 (a 64-filter
     * block's weights 2.4 MB, a slice 48 KiB), sums and statistics at 50 % zeros: 3.8-4.1 ms
     * without, 3.0-3.2 with (Zen 4, issue #23). Speed only: the sums are untouched.
     */
    private static void warm(double[] w, int w0, ConvGeometry g, int c0, int n, int bw, int ky0, int ky1) {
        int kx = g.kernelX();
        int cg = g.channelsPerGroup();
        // four sums, so that the reads do not wait on one chain of additions
        double t0 = 0;
        double t1 = 0;
        double t2 = 0;
        double t3 = 0;
        for (int ky = ky0; ky < ky1; ky++) {
            for (int x = 0; x < kx; x++) {
                int from = w0 + ((ky * kx + x) * cg + c0) * bw;
                int to = from + n * bw;
                int i = from;
                for (; i + 3 * LINE_DOUBLES < to; i += 4 * LINE_DOUBLES) {
                    t0 += w[i];
                    t1 += w[i + LINE_DOUBLES];
                    t2 += w[i + 2 * LINE_DOUBLES];
                    t3 += w[i + 3 * LINE_DOUBLES];
                }
                for (; i < to; i += LINE_DOUBLES) {
                    t0 += w[i];
                }
            }
        }
        // a value the compiler cannot prove unused, so the reads stay (a racy write is harmless)
        warmed = t0 + t1 + t2 + t3;
    }

    /** Whether the sparse kernel {@link #warm}s each slice of the layer's weights: a block's are past L2. */
    static boolean warms(ConvGeometry g) {
        return !streamed(g) && (long) g.kernelY() * g.kernelX() * g.channelsPerGroup() * width(g) * Double.BYTES
                > WARM_ABOVE_BYTES;
    }

    /** Doubles in a 64-byte cache line. */
    private static final int LINE_DOUBLES = 8;
    /** Where {@link #warm} leaves its reads' sum. */
    @SuppressWarnings("unused")
    private static double warmed;

    /**
     * acc[o .. o + NB) += sum over pairs j0..j1 of value * the block's weights for the pair's
     * channel: eight vectors at a time with the Vector API ({@link WindowSumsSimd}), else a plain
     * fused multiply-add per filter, the same exact integers.
     */
    private static void tap(double[] values, int[] codes, int j0, int j1, double[] w, short[] ws, int wt,
                            double[] acc, int o, int bw, boolean half) {
        if (j0 == j1) {
            return;
        }
        if (io.cnv2.Simd.enabled() && NB == WindowSumsSimd.BLOCK) {
            if (ws != null) {
                WindowSumsSimd.tapStreamed(values, codes, j0, j1, ws, wt, acc, o, bw);
            } else if (bw == WIDE && WIDE != NB) {
                WindowSumsSimd.tapWide(values, codes, j0, j1, w, wt, acc, o);
            } else if (half) {
                WindowSumsSimd.tapHalf(values, codes, j0, j1, w, wt, acc, o);
            } else {
                WindowSumsSimd.tap(values, codes, j0, j1, w, wt, acc, o);
            }
            return;
        }
        int filters = half ? bw / 2 : bw;
        for (int j = j0; j < j1; j++) {
            double u = values[j];
            int wi = wt + codes[j];
            for (int i = 0; i < filters; i++) {
                acc[o + i] = Math.fma(u, w[wi + i], acc[o + i]);
            }
        }
    }

    /**
     * The sums by their definition, every tap of every window in long arithmetic: what the
     * kernels are held to ({@code WindowSumsKernelsRuleTest}), whatever the fan-in.
     */
    static long[] literalSums(QLayer layer, short[] input) {
        ConvGeometry g = layer.geometry();
        long[] sums = new long[g.filters() * g.outY() * g.outX()];
        scalarSums(layer, input, (index, k, sum) -> sums[index] = sum);
        return sums;
    }

    /** Plain long arithmetic for fan-ins too large for exact double sums. */
    private static void scalarSums(QLayer layer, short[] in, Sink sink) {
        ConvGeometry g = layer.geometry();
        int cg = g.channelsPerGroup();
        int kg = g.filtersPerGroup();
        int plane = g.height() * g.width();
        short[] w = layer.weights();
        for (int k = 0; k < g.filters(); k++) {
            int group = k / kg;
            for (int oy = 0; oy < g.outY(); oy++) {
                for (int ox = 0; ox < g.outX(); ox++) {
                    long s = 0;
                    for (int c = 0; c < cg; c++) {
                        for (int ky = 0; ky < g.kernelY(); ky++) {
                            int iy = oy * g.strideY() - g.padTop() + ky * g.dilationY();
                            for (int kx = 0; kx < g.kernelX(); kx++) {
                                int ix = ox * g.strideX() - g.padLeft() + kx * g.dilationX();
                                if (iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width()) {
                                    s += (long) in[(group * cg + c) * plane + iy * g.width() + ix]
                                            * w[((k * cg + c) * g.kernelY() + ky) * g.kernelX() + kx];
                                }
                            }
                        }
                    }
                    sink.put((k * g.outY() + oy) * g.outX() + ox, k, s);
                }
            }
        }
    }
}
