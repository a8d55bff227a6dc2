package io.cnv2.hw;

import io.cnv2.ir.ConvGeometry;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Exact window sums of a conv or fully connected layer, fast: im2col, then a matrix product
 * whose micro-kernel broadcasts four positions' inputs against eight filters' weights (eight
 * vector accumulators, no horizontal reductions). The integers are summed in double precision with fused multiply-add, which
 * is exact here: every product is an integer of magnitude at most 2^30 and every partial sum at
 * most fanIn * 2^30, below 2^53 whenever fanIn < 2^23, so no rounding ever happens and, integer
 * addition being associative (CNV2-MODEL.md section 2, rule 3), any order gives the lane-by-lane
 * answer. Larger fan-ins take a scalar long path.
 */
final class DenseKernel {
    private static final VectorSpecies<Double> V = DoubleVector.SPECIES_PREFERRED;
    /** Largest fan-in for which double sums of 16-bit products are exact: fanIn * 2^30 < 2^53. */
    static final int EXACT_DOUBLE_FAN_IN = (1 << 23) - 1;
    private static final Map<QLayer, double[]> WEIGHTS = Collections.synchronizedMap(new WeakHashMap<>());

    private DenseKernel() {
    }

    /** A per-thread buffer that only grows. */
    private static final class Scratch {
        static final ThreadLocal<Scratch> PATCHES = ThreadLocal.withInitial(Scratch::new);
        static final ThreadLocal<Scratch> ACC = ThreadLocal.withInitial(Scratch::new);
        private double[] data = new double[0];

        double[] take(int n) {
            if (data.length < n) {
                data = new double[n];
            }
            return data;
        }
    }

    /** Filters per micro-kernel block: two vectors. */
    private static final int FB = 2 * V.length();

    /** Row length of the im2col matrix: the fan-in. */
    private static int rowLength(ConvGeometry g) {
        return g.channelsPerGroup() * g.kernelY() * g.kernelX();
    }

    /** Filters per group rounded up to whole blocks (the padding filters are zero). */
    private static int paddedFilters(ConvGeometry g) {
        return (g.filtersPerGroup() + FB - 1) / FB * FB;
    }

    /**
     * Exact sums of {@code input} ([C][H][W], ineffectual activations already zeroed by the
     * caller when it skips them) with the layer's weights: {@code sums[(k * Oy + oy) * Ox + ox]}.
     */
    static long[] sums(QLayer layer, short[] input) {
        ConvGeometry g = layer.geometry();
        long[] sums = new long[g.filters() * g.outY() * g.outX()];
        if (layer.fanIn() > EXACT_DOUBLE_FAN_IN) {
            scalarSums(layer, input, sums);
            return sums;
        }
        double[] w = WEIGHTS.computeIfAbsent(layer, DenseKernel::layoutWeights);
        int row = rowLength(g);
        int positions = g.outY() * g.outX();
        int kg = g.filtersPerGroup();
        int kp = paddedFilters(g);
        // scratch reused per thread: these are tens of megabytes for early layers
        double[] patches = Scratch.PATCHES.get().take(positions * row);
        double[] acc = Scratch.ACC.get().take(positions * kp);
        for (int group = 0; group < g.groups(); group++) {
            im2col(g, input, group, patches, row);
            java.util.Arrays.fill(acc, 0, positions * kp, 0);
            multiply(patches, positions, row, w, group * row * kp, kp, acc);
            int dst = group * kg * positions;
            for (int p = 0; p < positions; p++) {
                int src = p * kp;
                for (int k = 0; k < kg; k++) {
                    sums[dst + k * positions + p] = (long) acc[src + k];
                }
            }
        }
        return sums;
    }

    /**
     * Weights as doubles [group][r][k], r = (ky, kx, c) the im2col order and k the filter within
     * the group, padded with zero filters to whole blocks: the eight filters a micro-kernel needs
     * for one r are two adjacent vectors.
     */
    private static double[] layoutWeights(QLayer layer) {
        ConvGeometry g = layer.geometry();
        int row = rowLength(g);
        int kp = paddedFilters(g);
        int cg = g.channelsPerGroup();
        int kg = g.filtersPerGroup();
        double[] w = new double[g.groups() * row * kp];
        short[] q = layer.weights();
        for (int k = 0; k < g.filters(); k++) {
            int base = (k / kg) * row * kp + k % kg;
            for (int c = 0; c < cg; c++) {
                for (int ky = 0; ky < g.kernelY(); ky++) {
                    for (int kx = 0; kx < g.kernelX(); kx++) {
                        w[base + ((ky * g.kernelX() + kx) * cg + c) * kp] =
                                q[((k * cg + c) * g.kernelY() + ky) * g.kernelX() + kx];
                    }
                }
            }
        }
        return w;
    }

    /** One row per output position, in the weight order (ky, kx, c); padding reads as zero. */
    private static void im2col(ConvGeometry g, short[] in, int group, double[] patches, int row) {
        int cg = g.channelsPerGroup();
        int plane = g.height() * g.width();
        int base = group * cg * plane;
        int p = 0;
        for (int oy = 0; oy < g.outY(); oy++) {
            for (int ox = 0; ox < g.outX(); ox++, p++) {
                int r = p * row;
                java.util.Arrays.fill(patches, r, r + row, 0);
                for (int ky = 0; ky < g.kernelY(); ky++) {
                    int iy = oy * g.strideY() - g.padTop() + ky * g.dilationY();
                    if (iy < 0 || iy >= g.height()) {
                        continue;
                    }
                    for (int kx = 0; kx < g.kernelX(); kx++) {
                        int ix = ox * g.strideX() - g.padLeft() + kx * g.dilationX();
                        if (ix < 0 || ix >= g.width()) {
                            continue;
                        }
                        int src = base + iy * g.width() + ix;
                        int dst = r + (ky * g.kernelX() + kx) * cg;
                        for (int c = 0; c < cg; c++) {
                            patches[dst + c] = in[src + c * plane];
                        }
                    }
                }
            }
        }
    }

    /** Bytes of weights a slice of the reduction may hold, so a slice stays in the 512 KiB L2 across positions. */
    private static final int SLICE_BYTES = 384 * 1024;

    /**
     * acc[p * kp + k] += sum over r of patches[p * row + r] * w[w0 + r * kp + k]. The reduction is
     * cut into slices whose weights fit in L2; within a slice each block of four positions (their
     * inputs in L1) passes over every block of eight filters. Partial sums are integers below
     * 2^53 and add exactly in any order.
     */
    private static void multiply(double[] patches, int positions, int row, double[] w, int w0, int kp,
                                 double[] acc) {
        int slice = Math.max(8, SLICE_BYTES / (8 * kp));
        for (int r0 = 0; r0 < row; r0 += slice) {
            int r1 = Math.min(row, r0 + slice);
            int p = 0;
            for (; p + 4 <= positions; p += 4) {
                for (int k = 0; k < kp; k += FB) {
                    block4(patches, p, row, w, w0, kp, k, r0, r1, acc);
                }
            }
            for (; p < positions; p++) {
                for (int k = 0; k < kp; k += FB) {
                    block1(patches, p, row, w, w0, kp, k, r0, r1, acc);
                }
            }
        }
    }

    private static void block4(double[] x, int p, int row, double[] w, int w0, int kp, int k, int r0, int r1,
                               double[] acc) {
        int n = V.length();
        int o0 = p * kp + k;
        int o1 = o0 + kp;
        int o2 = o1 + kp;
        int o3 = o2 + kp;
        DoubleVector a0 = DoubleVector.fromArray(V, acc, o0);
        DoubleVector b0 = DoubleVector.fromArray(V, acc, o0 + n);
        DoubleVector a1 = DoubleVector.fromArray(V, acc, o1);
        DoubleVector b1 = DoubleVector.fromArray(V, acc, o1 + n);
        DoubleVector a2 = DoubleVector.fromArray(V, acc, o2);
        DoubleVector b2 = DoubleVector.fromArray(V, acc, o2 + n);
        DoubleVector a3 = DoubleVector.fromArray(V, acc, o3);
        DoubleVector b3 = DoubleVector.fromArray(V, acc, o3 + n);
        int x0 = p * row;
        for (int r = r0; r < r1; r++) {
            int wi = w0 + r * kp + k;
            DoubleVector f = DoubleVector.fromArray(V, w, wi);
            DoubleVector g = DoubleVector.fromArray(V, w, wi + n);
            DoubleVector u = DoubleVector.broadcast(V, x[x0 + r]);
            a0 = u.fma(f, a0);
            b0 = u.fma(g, b0);
            u = DoubleVector.broadcast(V, x[x0 + row + r]);
            a1 = u.fma(f, a1);
            b1 = u.fma(g, b1);
            u = DoubleVector.broadcast(V, x[x0 + 2 * row + r]);
            a2 = u.fma(f, a2);
            b2 = u.fma(g, b2);
            u = DoubleVector.broadcast(V, x[x0 + 3 * row + r]);
            a3 = u.fma(f, a3);
            b3 = u.fma(g, b3);
        }
        a0.intoArray(acc, o0);
        b0.intoArray(acc, o0 + n);
        a1.intoArray(acc, o1);
        b1.intoArray(acc, o1 + n);
        a2.intoArray(acc, o2);
        b2.intoArray(acc, o2 + n);
        a3.intoArray(acc, o3);
        b3.intoArray(acc, o3 + n);
    }

    private static void block1(double[] x, int p, int row, double[] w, int w0, int kp, int k, int r0, int r1,
                               double[] acc) {
        int n = V.length();
        int o = p * kp + k;
        DoubleVector a = DoubleVector.fromArray(V, acc, o);
        DoubleVector b = DoubleVector.fromArray(V, acc, o + n);
        for (int r = r0; r < r1; r++) {
            int wi = w0 + r * kp + k;
            DoubleVector u = DoubleVector.broadcast(V, x[p * row + r]);
            a = u.fma(DoubleVector.fromArray(V, w, wi), a);
            b = u.fma(DoubleVector.fromArray(V, w, wi + n), b);
        }
        a.intoArray(acc, o);
        b.intoArray(acc, o + n);
    }

    /** Plain long arithmetic for fan-ins too large for exact double sums. */
    private static void scalarSums(QLayer layer, short[] in, long[] sums) {
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
                    sums[(k * g.outY() + oy) * g.outX() + ox] = s;
                }
            }
        }
    }
}
