package io.cnv2.hw.timing;

import io.cnv2.config.Isca2016Profile;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;
import io.cnv2.ir.ConvGeometry;
import java.util.Arrays;
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
 * with the passes outer every pass sweeps the windows. Agrees with the cycle-by-cycle
 * {@link Isca2016Lanes} on every layer (tests).
 */
public final class Isca2016Chunks {
    private Isca2016Chunks() {
    }

    private record Key(int group, int lanes, int filtersPerPass, Isca2016Profile profile) {
    }

    /** Per layer: [pass][lane][chunk] the distinct non-zero weight masks of the pass's filters. */
    private static final Map<QLayer, Map<Key, long[][][][]>> WEIGHTS = Collections.synchronizedMap(new WeakHashMap<>());

    /** Cycles of a skipping layer, summed over groups. */
    public static long cycles(QLayer layer, short[] input, Threshold t, int lanes, int filtersPerPass,
                              Isca2016Profile p, boolean skipWeights) {
        ConvGeometry g = layer.geometry();
        LaneStreams s = new LaneStreams(g, lanes, p);
        int passes = (g.filtersPerGroup() + filtersPerPass - 1) / filtersPerPass;
        Isca2016Window timer = new Isca2016Window(p, lanes);
        long[][] work = new long[lanes][s.chunks];
        boolean[][] empty = new boolean[lanes][s.chunks];
        long[][] masks = new long[lanes][s.chunks];
        long[][] stream = new long[lanes][(s.length >>> 6) + 2];
        long cycles = 0;
        for (int group = 0; group < g.groups(); group++) {
            long[][][][] weights = skipWeights ? weights(layer, group, s, lanes, filtersPerPass, p) : null;
            Pixels px = new Pixels(input, g, group, s.slice * lanes, t);
            int[] offsets = new int[s.positions];
            for (int q = 0; q < s.positions; q++) {
                offsets[q] = (s.positionKy(q) * g.dilationY() * px.width + s.positionKx(q) * g.dilationX()) * px.words;
            }
            for (int oy = 0; oy < g.outY(); oy++) {
                for (int ox = 0; ox < g.outX(); ox++) {
                    int corner = (oy * g.strideY() * px.width + ox * g.strideX()) * px.words;
                    for (int l = 0; l < lanes; l++) {
                        long[] st = stream[l];
                        Arrays.fill(st, 0);
                        for (int q = 0; q < s.positions; q++) {
                            Bits.copy(px.bits, corner + offsets[q], l * s.slice, st, q * s.slice, s.slice);
                        }
                        for (int j = 0; j < s.chunks; j++) {
                            long a = Bits.get(st, 0, j * s.chunkValues, s.chunkLength(j));
                            masks[l][j] = a;
                            empty[l][j] = a == 0;
                        }
                    }
                    if (p.passesInner()) {
                        for (int l = 0; l < lanes; l++) {
                            for (int j = 0; j < s.chunks; j++) {
                                long sum = 0;
                                for (int pass = 0; pass < passes; pass++) {
                                    sum += work(masks[l][j], weights, pass, l, j);
                                }
                                work[l][j] = sum;
                            }
                        }
                        cycles += timer.cycles(work, empty, s.chunks, passes);
                    } else {
                        for (int pass = 0; pass < passes; pass++) {
                            for (int l = 0; l < lanes; l++) {
                                for (int j = 0; j < s.chunks; j++) {
                                    work[l][j] = work(masks[l][j], weights, pass, l, j);
                                }
                            }
                            cycles += timer.cycles(work, empty, s.chunks, 1);
                        }
                    }
                }
            }
        }
        return cycles;
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
    private static long[][][][] weights(QLayer layer, int group, LaneStreams s, int lanes, int perPass,
                                        Isca2016Profile p) {
        return WEIGHTS.computeIfAbsent(layer, k -> Collections.synchronizedMap(new java.util.HashMap<>()))
                .computeIfAbsent(new Key(group, lanes, perPass, p), k -> {
                    ConvGeometry g = layer.geometry();
                    int cg = g.channelsPerGroup();
                    int kg = g.filtersPerGroup();
                    int passes = (kg + perPass - 1) / perPass;
                    short[] w = layer.weights();
                    long[][][][] out = new long[passes][lanes][s.chunks][];
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
                            for (int j = 0; j < s.chunks; j++) {
                                LinkedHashSet<Long> distinct = new LinkedHashSet<>();
                                for (int f = 0; f < filters; f++) {
                                    distinct.add(m[f][j]);
                                }
                                out[pass][l][j] = distinct.stream().mapToLong(Long::longValue).toArray();
                            }
                        }
                    }
                    return out;
                });
    }

    /** Effectual bits of every channel (C' of them, a multiple of the lanes) of every pixel, on a zero-bordered grid. */
    private static final class Pixels {
        final int width;
        final int words;
        final long[] bits;

        Pixels(short[] in, ConvGeometry g, int group, int paddedChannels, Threshold t) {
            int rows = Math.max(g.padTop() + g.height(),
                    (g.outY() - 1) * g.strideY() + (g.kernelY() - 1) * g.dilationY() + 1);
            this.width = Math.max(g.padLeft() + g.width(),
                    (g.outX() - 1) * g.strideX() + (g.kernelX() - 1) * g.dilationX() + 1);
            this.words = (paddedChannels + 63) >>> 6;
            this.bits = new long[rows * width * words + 1];
            int plane = g.height() * g.width();
            int c0 = group * g.channelsPerGroup();
            for (int c = 0; c < g.channelsPerGroup(); c++) {
                int base = (c0 + c) * plane;
                long bit = 1L << (c & 63);
                int word = c >>> 6;
                for (int y = 0; y < g.height(); y++) {
                    int dst = ((y + g.padTop()) * width + g.padLeft()) * words + word;
                    for (int x = 0; x < g.width(); x++) {
                        if (!t.ineffectual(in[base + y * g.width() + x])) {
                            bits[dst + x * words] |= bit;
                        }
                    }
                }
            }
        }
    }
}
