package io.cnv2.hw.timing;

import io.cnv2.config.Isca2016Profile;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;
import io.cnv2.hw.brick.Bits;
import io.cnv2.hw.brick.PixelBits;
import io.cnv2.ir.ConvGeometry;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Cnvlutin and Cnvlutin2 under the {@code isca2016} profile, fast (CNV2-MODEL.md section 4a):
 * every window's lane streams (rule 1, {@link LaneStreams}) as bit strings of effectual values,
 * built from a per-pixel bitmap of the input's channels on a zero-bordered grid; each chunk's
 * mask is a field of its lane's string. A chunk's work per filter pass is its effectual count
 * (Cnvlutin, or Cnvlutin2 without weight skipping) or, with {@code filter-lanes}, the busiest
 * filter lane's count of effectual values whose weight is not zero, popcount(a &amp; w), over the
 * distinct weight masks of the pass at that chunk (built once per layer). With the passes inner a
 * chunk's work is the sum over passes and the window is timed once by {@link Isca2016Window};
 * with the passes outer every pass sweeps the windows. With the Vector API the windows go to
 * {@link Isca2016WindowsSimd} a vector's worth at a time, else one by one to {@link Isca2016Window};
 * both give every window's cycles. Agrees with the cycle-by-cycle {@link Isca2016Lanes} on every
 * layer (tests).
 */
public final class Isca2016Chunks {
    private Isca2016Chunks() {
    }

    private record Key(int group, int lanes, int filtersPerPass, Isca2016Profile profile) {
    }

    /**
     * [pass][lane][chunk] the distinct non-zero weight masks of the pass's filters; {@code dense} when
     * every pass has, at every lane's every chunk, a filter whose mask holds every real channel of
     * the chunk (an unpruned layer): then the busiest filter lane multiplies every effectual value,
     * popcount(a &amp; w) = popcount(a), and a chunk's work is Cnvlutin's, n per pass.
     */
    private record ChunkWeights(long[][][][] masks, boolean dense) {
    }

    /** Per layer and key: its {@link ChunkWeights}. */
    private static final Map<QLayer, Map<Key, ChunkWeights>> WEIGHTS = Collections.synchronizedMap(new WeakHashMap<>());

    /** Cycles of a skipping layer, summed over groups. */
    public static long cycles(QLayer layer, short[] input, Threshold t, int lanes, int filtersPerPass,
                              Isca2016Profile p, boolean skipWeights) {
        return cycles(layer, input, t, lanes, filtersPerPass, p, skipWeights, null);
    }

    /**
     * {@link #cycles}, and when {@code windowSums} is not null, per group the sum over every window
     * of its effectual values, {@code windowSums[group]}: the popcounts of the window's chunks,
     * which hold exactly the window's values in another order (rule 1; padding channels and
     * padding positions are zeros), so it equals {@code BrickMasks.windowSum} without a second
     * pass over the input (the fast designs' linear bookkeeping, issue #23).
     */
    public static long cycles(QLayer layer, short[] input, Threshold t, int lanes, int filtersPerPass,
                              Isca2016Profile p, boolean skipWeights, long[] windowSums) {
        ConvGeometry g = layer.geometry();
        LaneStreams s = new LaneStreams(g, lanes, p);
        int passes = (g.filtersPerGroup() + filtersPerPass - 1) / filtersPerPass;
        Isca2016Window timer = new Isca2016Window(p, lanes);
        int chunks = s.chunks;
        // [lane * chunks + chunk], reused by every window: no allocation per window
        long[] work = new long[lanes * chunks];
        long[] masks = new long[lanes * chunks];
        long[] stream = new long[(s.length >>> 6) + 2];
        boolean oneWord = s.length <= 64;
        int[] lengths = new int[chunks];
        long[] chunkMask = new long[chunks];
        for (int j = 0; j < chunks; j++) {
            lengths[j] = s.chunkLength(j);
            chunkMask[j] = lengths[j] == 64 ? -1L : (1L << lengths[j]) - 1;
        }
        long cycles = 0;
        for (int group = 0; group < g.groups(); group++) {
            ChunkWeights cw = skipWeights ? weights(layer, group, s, lanes, filtersPerPass, p) : null;
            // weight skipping skips nothing in a dense layer (ChunkWeights): Cnvlutin's work, no mask loop
            long[][][][] weights = cw == null || cw.dense() ? null : cw.masks();
            // lanes whose whole slice is padding channels (C' > C) only ever hold empty chunks
            int real = Math.min(lanes, (g.channelsPerGroup() + s.slice - 1) / s.slice);
            LanePlanes planes = new LanePlanes(input, g, group, s.slice, real, t, p.columnMajor());
            long effectual = 0;
            // with the Vector API the windows are timed W at a time (Isca2016WindowsSimd), the same cycles
            int timedPasses = p.passesInner() ? passes : 1;
            // two batches timed together (Isca2016WindowsPair): the cycles are a sum, whatever the order
            Isca2016WindowsPair pair = io.cnv2.Simd.enabled() && Isca2016WindowsSimd.fits(p, real, chunks, timedPasses)
                    ? new Isca2016WindowsPair(p, real, chunks) : null;
            Isca2016WindowsSimd side = pair == null ? null : pair.filling();
            boolean direct = side != null && weights == null && p.passesInner();
            boolean byBatch = direct && planes.banded;
            // the band's columns by phase (column mod stride), a row at a time: LanePlanes.phase
            int phaseWidth = (planes.lines + g.strideX() - 1) / g.strideX();
            Isca2016WindowsSimd.Pieces pieces = byBatch ? Isca2016WindowsSimd.Pieces.of(g.kernelX(), planes.field,
                    s.chunkValues, g.strideX(), g.dilationX(), phaseWidth) : null;
            long[] phased = byBatch ? (g.strideX() == 1 ? planes.band
                    : new long[real * g.strideX() * phaseWidth + LanePlanes.BAND_PAD]) : null;
            int phasedRow = -1;
            int latency = p.pipelineLatency() * timedPasses;
            long idle = real < lanes ? (long) chunks * p.emptyChunkCycles() : 0;
            for (int oy = 0; oy < g.outY(); oy++) {
                if (planes.banded) {
                    planes.band(oy * g.strideY());
                }
                for (int ox = 0; ox < g.outX(); ox++) {
                    if (pair != null) {
                        side = pair.filling();
                    }
                    if (byBatch && side.slot() == 0 && 2 * (g.outX() - ox) >= Isca2016WindowsSimd.W) {
                        // a batch of this row's windows from the band at once: a whole one, or the row's last
                        // if it fills at least half of one (the rest of its vector lanes time windows past the
                        // row, read from the band's padding, and are not counted)
                        if (phasedRow != oy) {
                            planes.phase(g.strideX(), phased, phaseWidth);
                            phasedRow = oy;
                        }
                        int count = Math.min(Isca2016WindowsSimd.W, g.outX() - ox);
                        effectual += side.putBand(phased, phaseWidth, ox, g.strideX(), pieces, passes,
                                count);
                        cycles += pair.batch(count, latency, idle);
                        ox += count - 1;
                        continue;
                    }
                    if (direct) {
                        // Cnvlutin's work, passes inner, timed side by side: each lane's chunks go from its
                        // stream straight to the timer
                        for (int l = 0; l < real; l++) {
                            if (planes.banded) {
                                planes.bandStream(l, ox * g.strideX(), stream);
                            } else {
                                planes.stream(l, oy * g.strideY(), ox * g.strideX(), stream);
                            }
                            effectual += side.putStream(l, stream, s.chunkValues, lengths, passes);
                        }
                        cycles += pair.next(latency, idle);
                        continue;
                    }
                    // the lanes holding an effectual value (bit l; beyond 64 lanes unused): known from their
                    // streams, no scan of the chunks
                    long reading = 0;
                    for (int l = 0; l < real; l++) {
                        if (planes.banded) {
                            planes.bandStream(l, ox * g.strideX(), stream);
                        } else {
                            planes.stream(l, oy * g.strideY(), ox * g.strideX(), stream);
                        }
                        if (oneWord) {
                            // the whole stream in one word: chunk j is a shift and a mask (rule 2)
                            long w = stream[0];
                            reading |= (long) ((w | -w) >>> 63) << l;
                            for (int j = 0, at = l * chunks; j < chunks; j++, at++) {
                                masks[at] = (w >>> (j * s.chunkValues)) & chunkMask[j];
                            }
                        } else {
                            long any = 0;
                            for (int j = 0, at = l * chunks; j < chunks; j++, at++) {
                                masks[at] = Bits.get(stream, 0, j * s.chunkValues, s.chunkLength(j));
                                any |= masks[at];
                            }
                            reading |= (long) ((any | -any) >>> 63) << l;
                        }
                    }
                    if (p.passesInner()) {
                        if (weights != null && windowSums != null) {
                            for (int at = 0; at < real * chunks; at++) {
                                effectual += Long.bitCount(masks[at]);
                            }
                        }
                        for (int l = 0; l < real; l++) {
                            for (int j = 0, at = l * chunks; j < chunks; j++, at++) {
                                long sum;
                                if (weights == null) {
                                    // every pass works through every effectual value (rule 3: n G)
                                    int n = Long.bitCount(masks[at]);
                                    effectual += n;
                                    sum = (long) n * passes;
                                } else {
                                    sum = 0;
                                    for (int pass = 0; pass < passes; pass++) {
                                        sum += work(masks[at], weights, pass, l, j);
                                    }
                                }
                                if (side == null) {
                                    work[at] = sum;
                                } else {
                                    side.put(side.slot(), l, j, sum, masks[at] != 0);
                                }
                            }
                        }
                        cycles += side == null ? timer.cycles(work, masks, chunks, passes, real, reading)
                                : pair.next(latency, idle);
                    } else {
                        if (windowSums != null) {
                            for (int at = 0; at < real * chunks; at++) {
                                effectual += Long.bitCount(masks[at]);
                            }
                        }
                        for (int pass = 0; pass < passes; pass++) {
                            for (int l = 0; l < real; l++) {
                                for (int j = 0, at = l * chunks; j < chunks; j++, at++) {
                                    work[at] = work(masks[at], weights, pass, l, j);
                                }
                            }
                            if (side == null) {
                                cycles += timer.cycles(work, masks, chunks, 1, real, reading);
                            } else {
                                put(side, work, masks, real, chunks);
                                cycles += pair.next(latency, idle);
                                side = pair.filling();
                            }
                        }
                    }
                }
            }
            if (pair != null) {
                cycles += pair.rest(latency, idle);
            }
            if (windowSums != null) {
                windowSums[group] = effectual;
            }
        }
        return cycles;
    }

    /** Hands one window's chunks to the side-by-side timer, at its current slot. */
    private static void put(Isca2016WindowsSimd side, long[] work, long[] masks, int real, int chunks) {
        for (int l = 0, at = 0; l < real; l++) {
            for (int j = 0; j < chunks; j++, at++) {
                side.put(side.slot(), l, j, work[at], masks[at] != 0);
            }
        }
    }

    /** A chunk's cycles of multiplying in one pass: its effectual count, or the busiest filter lane's. */
    private static long work(long a, long[][][][] weights, int pass, int lane, int chunk) {
        int n = Long.bitCount(a);
        if (weights == null || n == 0) {
            return n;
        }
        int most = 0;
        for (long w : weights[pass][lane][chunk]) {
            most = Math.max(most, Long.bitCount(a & w));
            if (most == n) {
                break;
            }
        }
        return most;
    }

    /** The distinct non-zero weight masks [pass][lane][chunk][] of group {@code group}, in the streams' layout. */
    private static ChunkWeights weights(QLayer layer, int group, LaneStreams s, int lanes, int perPass,
                                        Isca2016Profile p) {
        return WEIGHTS.computeIfAbsent(layer, k -> Collections.synchronizedMap(new java.util.HashMap<>()))
                .computeIfAbsent(new Key(group, lanes, perPass, p), k -> {
                    ConvGeometry g = layer.geometry();
                    int cg = g.channelsPerGroup();
                    int kg = g.filtersPerGroup();
                    int passes = (kg + perPass - 1) / perPass;
                    short[] w = layer.weights();
                    long[][][][] out = new long[passes][lanes][s.chunks][];
                    boolean dense = true;
                    for (int pass = 0; pass < passes; pass++) {
                        int filters = Math.min(perPass, kg - pass * perPass);
                        for (int l = 0; l < lanes; l++) {
                            long[][] m = new long[filters][s.chunks];
                            for (int f = 0; f < filters; f++) {
                                int filter = group * kg + pass * perPass + f;
                                for (int i = 0; i < s.length; i++) {
                                    int c = s.channel(l, i);
                                    if (c < cg && w[((filter * cg + c) * g.kernelY() + s.kernelY(i)) * g.kernelX()
                                            + s.kernelX(i)] != 0) {
                                        m[f][i / s.chunkValues] |= 1L << (i % s.chunkValues);
                                    }
                                }
                            }
                            // the bits of each chunk that hold a real channel: the only ones a value can be effectual at
                            long[] real = new long[s.chunks];
                            for (int i = 0; i < s.length; i++) {
                                if (s.channel(l, i) < cg) {
                                    real[i / s.chunkValues] |= 1L << (i % s.chunkValues);
                                }
                            }
                            for (int j = 0; j < s.chunks; j++) {
                                LinkedHashSet<Long> distinct = new LinkedHashSet<>();
                                boolean full = false;
                                for (int f = 0; f < filters; f++) {
                                    distinct.add(m[f][j]);
                                    full |= (m[f][j] & real[j]) == real[j];
                                }
                                dense &= full;
                                out[pass][l][j] = distinct.stream().mapToLong(Long::longValue).toArray();
                            }
                        }
                    }
                    return new ChunkWeights(out, dense);
                });
    }

    /**
     * Each real lane's effectual bits on a zero-bordered grid, laid out so that one kernel column
     * (stream order kx-ky-c) or row (ky-kx-c) of the lane's slice is one contiguous field: per
     * lane and grid column x, the bits (y, channel of the slice) in that order (or per row y,
     * (x, channel)). A lane's stream is then Kx (or Ky) field copies per window, one per kernel
     * position only when the kernel is dilated across the field.
     */
    static final class LanePlanes {
        private final ConvGeometry g;
        private final int slice;
        private final boolean columnMajor;
        /** Lines of the grid: columns (kx-ky-c) or rows. */
        final int lines;
        private final int along;
        private final int words;
        private final long[] bits;
        /**
         * True when every kernel column of a lane's slice is one field of at most 64 bits (stream
         * order kx-ky-c, no dilation along y): then the fields of one output row are read once per
         * row ({@link #band}), not once per window, and a window's stream is Kx appends of them.
         */
        final boolean banded;
        /** Bits of one kernel column of a lane's slice: Ky times the slice. */
        final int field;
        private final int real;
        /**
         * Longs after the last lane's band: a batch of windows that runs past the end of a row reads
         * them (at most a batch of columns, times the stride, beyond the last; never counted).
         */
        static final int BAND_PAD = 64 * 4;
        /** When {@link #banded}: per lane and grid column, the current output row's field. */
        final long[] band;

        LanePlanes(short[] in, ConvGeometry g, int group, int slice, int real, Threshold t, boolean columnMajor) {
            this.g = g;
            this.slice = slice;
            this.columnMajor = columnMajor;
            int rows = Math.max(g.padTop() + g.height(),
                    (g.outY() - 1) * g.strideY() + (g.kernelY() - 1) * g.dilationY() + 1);
            int width = Math.max(g.padLeft() + g.width(),
                    (g.outX() - 1) * g.strideX() + (g.kernelX() - 1) * g.dilationX() + 1);
            this.lines = columnMajor ? width : rows;
            this.along = columnMajor ? rows : width;
            this.words = (along * slice + 63) >>> 6;
            this.bits = new long[real * lines * words + 1];
            this.real = real;
            this.field = g.kernelY() * slice;
            this.banded = columnMajor && g.dilationY() == 1 && field <= 64;
            this.band = banded ? new long[real * lines + BAND_PAD] : null;
            int plane = g.height() * g.width();
            int cg = g.channelsPerGroup();
            int c0 = group * cg;
            // Threshold.ineffectual as one integer compare, without a branch (half the values of a ReLU
            // layer are zero, in no pattern a predictor could follow): (bound - 1 - |q|) < 0 exactly when
            // |q| >= bound, bound >= 1. A lane's slice at one pixel is gathered in a register (up to 64
            // channels at a time) and written with one or two word updates, not one per channel.
            int bound1 = t.bound() - 1;
            int inWidth = g.width();
            // from 16 channels on, each pixel's channels as words of bits (PixelBits: transposed from
            // one vector pass over the input), a lane's slice a field of them; below, gathered one by one
            boolean perPixel = cg >= PixelBits.MIN_CHANNELS;
            long[] pixels = perPixel ? PixelBits.perPixel(in, c0, cg, plane, t.bound()) : null;
            int pixelWords = PixelBits.words(cg);
            for (int lane = 0; lane < real; lane++) {
                for (int k0 = 0; k0 < slice; k0 += 64) {
                    int n = Math.min(64, Math.min(slice - k0, cg - lane * slice - k0));
                    if (n <= 0) {
                        break;
                    }
                    int first = (c0 + lane * slice + k0) * plane;
                    if (!perPixel && columnMajor) {
                        columns(in, first, plane, n, lane, k0, bound1);
                        continue;
                    }
                    for (int y = 0; y < g.height(); y++) {
                        int py = y + g.padTop();
                        for (int x = 0; x < inWidth; x++) {
                            long v = 0;
                            if (perPixel) {
                                v = Bits.get(pixels, (y * inWidth + x) * pixelWords, lane * slice + k0, n);
                            } else {
                                for (int k = 0, src = first + y * inWidth + x; k < n; k++, src += plane) {
                                    v |= (long) ((bound1 - Math.abs(in[src])) >>> 31) << k;
                                }
                            }
                            int px = x + g.padLeft();
                            int line = columnMajor ? px : py;
                            int pos = columnMajor ? py : px;
                            int bit = pos * slice + k0;
                            or((lane * lines + line) * words, bit, v, n);
                        }
                    }
                }
            }
        }

        /**
         * A lane's bits from fewer than {@link PixelBits#MIN_CHANNELS} channels ({@code n} of them,
         * from {@code first}) with the grid column-major, a block of rows at a time: each input
         * column's bits of up to 32 bits' worth of rows gathered in an int, reading the input row by
         * row, then written to its column once. Pixel by pixel, every write lands in another column
         * (a word {@code words} longs away): the 3-channel first layer of an image classifier spent
         * a quarter of its timing there (issue #23). The same bits as the pixel-by-pixel loop.
         */
        private void columns(short[] in, int first, int plane, int n, int lane, int k0, int bound1) {
            int inWidth = g.width();
            int per = Math.max(1, 32 / slice); // rows per block: (per - 1) * slice + n <= 32 bits
            int[] acc = new int[inWidth];
            for (int y0 = 0; y0 < g.height(); y0 += per) {
                int y1 = Math.min(g.height(), y0 + per);
                java.util.Arrays.fill(acc, 0);
                for (int y = y0; y < y1; y++) {
                    for (int k = 0; k < n; k++) {
                        int src = first + k * plane + y * inWidth;
                        int at = (y - y0) * slice + k;
                        for (int x = 0; x < inWidth; x++) {
                            acc[x] |= ((bound1 - Math.abs(in[src + x])) >>> 31) << at;
                        }
                    }
                }
                int bit = (y0 + g.padTop()) * slice + k0;
                int span = (y1 - y0 - 1) * slice + n;
                for (int x = 0; x < inWidth; x++) {
                    or((lane * lines + x + g.padLeft()) * words, bit, acc[x] & 0xffffffffL, span);
                }
            }
        }

        /** Ors the {@code n} bits of {@code v} (at most 64) into the line from {@code line} at bit {@code bit}: one word, or two. */
        private void or(int line, int bit, long v, int n) {
            int word = line + (bit >>> 6);
            int shift = bit & 63;
            bits[word] |= v << shift;
            if (shift != 0 && shift + n > 64) {
                bits[word + 1] |= v >>> (64 - shift);
            }
        }

        /** When {@link #banded}: every lane's field of every grid column for the output row whose top is y0. */
        void band(int y0) {
            for (int i = 0; i < real * lines; i++) {
                band[i] = Bits.get(bits, i * words, y0 * slice, field);
            }
        }

        /**
         * The current {@link #band} by phase: lane l's field of grid column x to
         * {@code out[(l * stride + x % stride) * width + x / stride]}, width at least lines / stride
         * rounded up; with stride 1 the band itself is that layout, and nothing is copied.
         */
        void phase(int stride, long[] out, int width) {
            if (stride == 1) {
                return;
            }
            // phase by phase, no division per column (an integer division costs a dozen cycles or more)
            for (int l = 0; l < real; l++) {
                for (int ph = 0; ph < stride; ph++) {
                    int to = (l * stride + ph) * width;
                    for (int x = ph; x < lines; x += stride) {
                        out[to++] = band[l * lines + x];
                    }
                }
            }
        }

        /** {@link #stream} from the current {@link #band}: lane l's stream of the window at grid column x0. */
        void bandStream(int lane, int x0, long[] st) {
            long acc = 0;
            int filled = 0;
            int w = 0;
            int at = lane * lines + x0;
            int step = g.dilationX();
            for (int o = 0; o < g.kernelX(); o++, at += step) {
                long v = band[at];
                acc |= v << filled;
                int total = filled + field;
                if (total >= 64) {
                    st[w++] = acc;
                    acc = filled == 0 ? 0 : v >>> (64 - filled);
                    total -= 64;
                }
                filled = total;
            }
            if (filled > 0) {
                st[w] = acc;
            }
        }

        /** Lane l's stream of the window whose corner on the grid is (y0, x0), written to {@code st} (no clearing needed). */
        void stream(int lane, int y0, int x0, long[] st) {
            int outer = columnMajor ? g.kernelX() : g.kernelY();
            int inner = columnMajor ? g.kernelY() : g.kernelX();
            int step = columnMajor ? g.dilationX() : g.dilationY();
            int innerStep = columnMajor ? g.dilationY() : g.dilationX();
            int line0 = columnMajor ? x0 : y0;
            int pos0 = columnMajor ? y0 : x0;
            // the fields are consecutive in the stream: append them through one 64-bit accumulator
            long acc = 0;
            int filled = 0;
            int w = 0;
            for (int o = 0; o < outer; o++) {
                int base = (lane * lines + line0 + o * step) * words;
                int fields = innerStep == 1 ? 1 : inner;
                int n = innerStep == 1 ? inner * slice : slice;
                for (int i = 0; i < fields; i++) {
                    int from = (pos0 + i * innerStep) * slice;
                    for (int done = 0; done < n; done += 64) {
                        int k = Math.min(64, n - done);
                        long v = Bits.get(bits, base, from + done, k);
                        acc |= v << filled;
                        int total = filled + k;
                        if (total >= 64) {
                            st[w++] = acc;
                            acc = filled == 0 ? 0 : v >>> (64 - filled);
                            total -= 64;
                        }
                        filled = total;
                    }
                }
            }
            if (filled > 0) {
                st[w] = acc;
            }
        }
    }
}
