package io.cnv2.hw;

import io.cnv2.ir.ConvGeometry;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Exact window sums of a conv or fully connected layer, fast: im2col and a register-blocked
 * vector dot product. The integers are summed in double precision with fused multiply-add, which
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

    /** Row length of the im2col matrices: the fan-in rounded up to whole vectors. */
    private static int rowLength(ConvGeometry g) {
        int f = g.channelsPerGroup() * g.kernelY() * g.kernelX();
        return (f + V.length() - 1) / V.length() * V.length();
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
        double[] patches = new double[positions * row];
        for (int group = 0; group < g.groups(); group++) {
            im2col(g, input, group, patches, row);
            multiply(patches, positions, w, group * kg, kg, row, sums, positions);
        }
        return sums;
    }

    /** Weights as [K][ky][kx][c] doubles, each filter's row padded with zeros to whole vectors. */
    private static double[] layoutWeights(QLayer layer) {
        ConvGeometry g = layer.geometry();
        int row = rowLength(g);
        int cg = g.channelsPerGroup();
        double[] w = new double[g.filters() * row];
        short[] q = layer.weights();
        for (int k = 0; k < g.filters(); k++) {
            for (int c = 0; c < cg; c++) {
                for (int ky = 0; ky < g.kernelY(); ky++) {
                    for (int kx = 0; kx < g.kernelX(); kx++) {
                        w[k * row + (ky * g.kernelX() + kx) * cg + c] =
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

    /** Doubles of a row slice kept hot in L1 while every position and filter block passes over it. */
    private static final int CHUNK = 256;

    /**
     * sums[(k0 + k) * stride + p] = patches[p] . w[k0 + k] for k < kCount. The rows are cut into
     * slices of {@link #CHUNK} doubles (the weights of four filters then stay in L1 while every
     * position streams past); within a slice, blocks of three positions by four filters keep
     * twelve vector accumulators in registers. Partial sums are integers below 2^53 and add
     * exactly.
     */
    private static void multiply(double[] patches, int positions, double[] w, int k0, int kCount, int row,
                                 long[] sums, int stride) {
        double[] acc = new double[kCount * positions];
        for (int c0 = 0; c0 < row; c0 += CHUNK) {
            int len = Math.min(CHUNK, row - c0);
            int k = 0;
            for (; k + 4 <= kCount; k += 4) {
                int p = 0;
                for (; p + 3 <= positions; p += 3) {
                    block3x4(patches, p, w, k0 + k, row, c0, len, acc, k, positions);
                }
                for (; p < positions; p++) {
                    for (int j = 0; j < 4; j++) {
                        acc[(k + j) * positions + p] += dot(patches, p * row + c0, w, (k0 + k + j) * row + c0, len);
                    }
                }
            }
            for (; k < kCount; k++) {
                for (int p = 0; p < positions; p++) {
                    acc[k * positions + p] += dot(patches, p * row + c0, w, (k0 + k) * row + c0, len);
                }
            }
        }
        for (int k = 0; k < kCount; k++) {
            for (int p = 0; p < positions; p++) {
                sums[(k0 + k) * stride + p] = (long) acc[k * positions + p];
            }
        }
    }

    private static void block3x4(double[] x, int p, double[] w, int kw, int row, int c0, int len, double[] acc,
                                 int k, int positions) {
        DoubleVector a0 = DoubleVector.zero(V);
        DoubleVector a1 = a0;
        DoubleVector a2 = a0;
        DoubleVector a3 = a0;
        DoubleVector b0 = a0;
        DoubleVector b1 = a0;
        DoubleVector b2 = a0;
        DoubleVector b3 = a0;
        DoubleVector c0v = a0;
        DoubleVector c1v = a0;
        DoubleVector c2v = a0;
        DoubleVector c3v = a0;
        int x0 = p * row + c0;
        int x1 = x0 + row;
        int x2 = x1 + row;
        int w0 = kw * row + c0;
        int w1 = w0 + row;
        int w2 = w1 + row;
        int w3 = w2 + row;
        for (int i = 0; i < len; i += V.length()) {
            DoubleVector u = DoubleVector.fromArray(V, x, x0 + i);
            DoubleVector v = DoubleVector.fromArray(V, x, x1 + i);
            DoubleVector z = DoubleVector.fromArray(V, x, x2 + i);
            DoubleVector f = DoubleVector.fromArray(V, w, w0 + i);
            a0 = u.fma(f, a0);
            b0 = v.fma(f, b0);
            c0v = z.fma(f, c0v);
            f = DoubleVector.fromArray(V, w, w1 + i);
            a1 = u.fma(f, a1);
            b1 = v.fma(f, b1);
            c1v = z.fma(f, c1v);
            f = DoubleVector.fromArray(V, w, w2 + i);
            a2 = u.fma(f, a2);
            b2 = v.fma(f, b2);
            c2v = z.fma(f, c2v);
            f = DoubleVector.fromArray(V, w, w3 + i);
            a3 = u.fma(f, a3);
            b3 = v.fma(f, b3);
            c3v = z.fma(f, c3v);
        }
        int r0 = k * positions + p;
        acc[r0] += a0.reduceLanes(VectorOperators.ADD);
        acc[r0 + 1] += b0.reduceLanes(VectorOperators.ADD);
        acc[r0 + 2] += c0v.reduceLanes(VectorOperators.ADD);
        acc[r0 + positions] += a1.reduceLanes(VectorOperators.ADD);
        acc[r0 + positions + 1] += b1.reduceLanes(VectorOperators.ADD);
        acc[r0 + positions + 2] += c1v.reduceLanes(VectorOperators.ADD);
        acc[r0 + 2 * positions] += a2.reduceLanes(VectorOperators.ADD);
        acc[r0 + 2 * positions + 1] += b2.reduceLanes(VectorOperators.ADD);
        acc[r0 + 2 * positions + 2] += c2v.reduceLanes(VectorOperators.ADD);
        acc[r0 + 3 * positions] += a3.reduceLanes(VectorOperators.ADD);
        acc[r0 + 3 * positions + 1] += b3.reduceLanes(VectorOperators.ADD);
        acc[r0 + 3 * positions + 2] += c3v.reduceLanes(VectorOperators.ADD);
    }

    private static double dot(double[] x, int xo, double[] w, int wo, int len) {
        DoubleVector acc = DoubleVector.zero(V);
        for (int i = 0; i < len; i += V.length()) {
            acc = DoubleVector.fromArray(V, x, xo + i).fma(DoubleVector.fromArray(V, w, wo + i), acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
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
