package io.cnv2.ir;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float conv of {@link FloatKernels}, vectorised with the Vector API; loaded only when
 * {@link io.cnv2.Simd#enabled()} (a JVM without the module never touches this class).
 */
final class FloatConvSimd {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /**
     * Conv weights laid out [group][c][ky][kx][filter of the group] for {@link #conv}, by the
     * weight array (arrays hash by identity; weak: dropped with their network).
     */
    private static final Map<float[], float[]> FILTER_MAJOR = Collections.synchronizedMap(new WeakHashMap<>());

    private FloatConvSimd() {
    }

    /**
     * Conv, vectorised over the filters of a group: the float reference is most of a sweep
     * point's time otherwise (ResNet-18: 2.4 s of plain loops per image against 0.2 s for the
     * bit-exact CNV path). Every output sums bias, then weight x input over (c, ky, kx) in
     * ascending order, each product rounded before it is added, as {@link #convPlain} does, so
     * the two agree bit for bit (FloatConvRulesTest) but for the sign of an exact zero: the plain
     * loops skip zero weights, this adds their +-0 products. A group's filters go in blocks of four
     * vectors, blocks the outer loop (a block's weights stay in cache over every position), two
     * interior neighbours sharing each weight load; filters short of a whole block go last.
     */
    static Tensor conv(Conv op, Tensor x) {
        ConvGeometry g = op.geometry("", x.shape());
        int kg = g.filtersPerGroup();
        if (kg < F.length()) {
            return FloatKernels.convPlain(op, x); // depthwise and narrow groups: nothing to vectorise over
        }
        int n = x.shape().dim(0);
        int oy = g.outY();
        int ox = g.outX();
        int h = g.height();
        int w = g.width();
        int cg = g.channelsPerGroup();
        int ky = g.kernelY();
        int kx = g.kernelX();
        int taps = cg * ky * kx;
        float[] in = x.data();
        float[] wt = FILTER_MAJOR.computeIfAbsent(op.weight().data(), k -> filterMajor(k, g.groups(), kg, taps));
        float[] bias = op.bias() == null ? new float[g.filters()] : op.bias().data();
        float[] out = new float[n * g.filters() * oy * ox];
        int[] at = new int[taps]; // the taps inside the input at this output position
        float[] a = new float[taps]; // their input values
        float[] acc = new float[kg];
        float[] a2 = new float[taps];
        float[] acc2 = new float[kg];
        int v = F.length();
        int blocked = kg - kg % (4 * v); // filters in whole blocks of four vectors; the rest a tail
        for (int b = 0; b < n; b++) {
            for (int group = 0; group < g.groups(); group++) {
                int wBase = group * taps * kg;
                int outBase = (b * g.filters() + group * kg) * oy * ox;
                // blocks outermost: a block's weights (taps x 4 v) stay in cache while every position
                // uses them; two interior neighbours at a time share each weight load
                for (int k = 0; k < blocked; k += 4 * v) {
                    for (int y = 0; y < oy; y++) {
                        boolean rowInside = y * g.strideY() - g.padTop() >= 0
                                && y * g.strideY() + (ky - 1) * g.dilationY() - g.padTop() < h;
                        for (int xx = 0; xx < ox; xx++) {
                            int p = y * ox + xx;
                            if (rowInside && xx + 1 < ox && colInside(g, xx, w) && colInside(g, xx + 1, w)) {
                                gather(g, in, b, group, y, xx, a);
                                gather(g, in, b, group, y, xx + 1, a2);
                                pair(wt, wBase + k, kg, taps, a, a2, bias, group * kg + k, acc, acc2);
                                for (int j = 0; j < 4 * v; j++) {
                                    out[outBase + (k + j) * oy * ox + p] = acc[j];
                                    out[outBase + (k + j) * oy * ox + p + 1] = acc2[j];
                                }
                                xx++;
                            } else {
                                int m = gatherInside(g, in, b, group, y, xx, at, a);
                                single(wt, wBase + k, kg, m, at, a, bias, group * kg + k, acc);
                                for (int j = 0; j < 4 * v; j++) {
                                    out[outBase + (k + j) * oy * ox + p] = acc[j];
                                }
                            }
                        }
                    }
                }
                if (blocked == kg) {
                    continue;
                }
                for (int y = 0; y < oy; y++) {
                    for (int xx = 0; xx < ox; xx++) {
                        int m = gatherInside(g, in, b, group, y, xx, at, a);
                        tail(wt, wBase, kg, blocked, m, at, a, bias, group * kg, acc);
                        for (int k = blocked; k < kg; k++) {
                            out[outBase + k * oy * ox + y * ox + xx] = acc[k - blocked];
                        }
                    }
                }
            }
        }
        return new Tensor(Shape.of(n, g.filters(), oy, ox), out);
    }

    /** Whether every kernel column of output column {@code xx} falls inside the input's width. */
    private static boolean colInside(ConvGeometry g, int xx, int w) {
        int x0 = xx * g.strideX() - g.padLeft();
        return x0 >= 0 && x0 + (g.kernelX() - 1) * g.dilationX() < w;
    }

    /** The input values under every tap of output position (y, xx), all inside, in tap order. */
    private static void gather(ConvGeometry g, float[] in, int b, int group, int y, int xx, float[] a) {
        int h = g.height();
        int w = g.width();
        int cg = g.channelsPerGroup();
        int m = 0;
        for (int c = 0; c < cg; c++) {
            int inBase = (b * g.channels() + group * cg + c) * h * w;
            for (int fy = 0; fy < g.kernelY(); fy++) {
                int row = inBase + (y * g.strideY() + fy * g.dilationY() - g.padTop()) * w;
                for (int fx = 0; fx < g.kernelX(); fx++) {
                    a[m++] = in[row + xx * g.strideX() + fx * g.dilationX() - g.padLeft()];
                }
            }
        }
    }

    /**
     * The taps of output position (y, xx) that fall inside the input, in tap order: their numbers
     * in {@code at}, their values in {@code a}; returns how many.
     */
    private static int gatherInside(ConvGeometry g, float[] in, int b, int group, int y, int xx, int[] at, float[] a) {
        int h = g.height();
        int w = g.width();
        int cg = g.channelsPerGroup();
        int m = 0;
        for (int c = 0; c < cg; c++) {
            int inBase = (b * g.channels() + group * cg + c) * h * w;
            for (int fy = 0; fy < g.kernelY(); fy++) {
                int iy = y * g.strideY() + fy * g.dilationY() - g.padTop();
                if (iy < 0 || iy >= h) {
                    continue;
                }
                for (int fx = 0; fx < g.kernelX(); fx++) {
                    int ix = xx * g.strideX() + fx * g.dilationX() - g.padLeft();
                    if (ix >= 0 && ix < w) {
                        at[m] = (c * g.kernelY() + fy) * g.kernelX() + fx;
                        a[m++] = in[inBase + iy * w + ix];
                    }
                }
            }
        }
        return m;
    }

    /**
     * Four vectors of filters from {@code wt[w0 ..]} (row stride kg) summed over the {@code m}
     * taps {@code at[j]} with values {@code a[j]}: bias first, then each rounded product added in
     * tap order.
     */
    private static void single(float[] wt, int w0, int kg, int m, int[] at, float[] a, float[] bias, int biasAt,
                               float[] acc) {
        int v = F.length();
        FloatVector s0 = FloatVector.fromArray(F, bias, biasAt);
        FloatVector s1 = FloatVector.fromArray(F, bias, biasAt + v);
        FloatVector s2 = FloatVector.fromArray(F, bias, biasAt + 2 * v);
        FloatVector s3 = FloatVector.fromArray(F, bias, biasAt + 3 * v);
        for (int j = 0; j < m; j++) {
            int o = w0 + at[j] * kg;
            float x = a[j];
            s0 = s0.add(FloatVector.fromArray(F, wt, o).mul(x));
            s1 = s1.add(FloatVector.fromArray(F, wt, o + v).mul(x));
            s2 = s2.add(FloatVector.fromArray(F, wt, o + 2 * v).mul(x));
            s3 = s3.add(FloatVector.fromArray(F, wt, o + 3 * v).mul(x));
        }
        s0.intoArray(acc, 0);
        s1.intoArray(acc, v);
        s2.intoArray(acc, 2 * v);
        s3.intoArray(acc, 3 * v);
    }

    /** {@link #single} for the filters {@code from ..} below a whole block: vectors, then one at a time. */
    private static void tail(float[] wt, int wBase, int kg, int from, int m, int[] at, float[] a, float[] bias,
                             int biasAt, float[] acc) {
        int v = F.length();
        int k = from;
        for (; k + v <= kg; k += v) {
            FloatVector s0 = FloatVector.fromArray(F, bias, biasAt + k);
            for (int j = 0; j < m; j++) {
                s0 = s0.add(FloatVector.fromArray(F, wt, wBase + at[j] * kg + k).mul(a[j]));
            }
            s0.intoArray(acc, k - from);
        }
        for (; k < kg; k++) {
            float s0 = bias[biasAt + k];
            for (int j = 0; j < m; j++) {
                s0 += wt[wBase + at[j] * kg + k] * a[j];
            }
            acc[k - from] = s0;
        }
    }

    /** {@link #single} for two neighbouring positions whose every tap is inside ({@code a}, {@code a2}), the weights loaded once. */
    private static void pair(float[] wt, int w0, int kg, int taps, float[] a, float[] a2, float[] bias, int biasAt,
                             float[] acc, float[] acc2) {
        int v = F.length();
        FloatVector s0 = FloatVector.fromArray(F, bias, biasAt);
        FloatVector s1 = FloatVector.fromArray(F, bias, biasAt + v);
        FloatVector s2 = FloatVector.fromArray(F, bias, biasAt + 2 * v);
        FloatVector s3 = FloatVector.fromArray(F, bias, biasAt + 3 * v);
        FloatVector t0 = s0;
        FloatVector t1 = s1;
        FloatVector t2 = s2;
        FloatVector t3 = s3;
        for (int j = 0; j < taps; j++) {
            int o = w0 + j * kg;
            FloatVector x0 = FloatVector.fromArray(F, wt, o);
            FloatVector x1 = FloatVector.fromArray(F, wt, o + v);
            FloatVector x2 = FloatVector.fromArray(F, wt, o + 2 * v);
            FloatVector x3 = FloatVector.fromArray(F, wt, o + 3 * v);
            float x = a[j];
            float z = a2[j];
            s0 = s0.add(x0.mul(x));
            s1 = s1.add(x1.mul(x));
            s2 = s2.add(x2.mul(x));
            s3 = s3.add(x3.mul(x));
            t0 = t0.add(x0.mul(z));
            t1 = t1.add(x1.mul(z));
            t2 = t2.add(x2.mul(z));
            t3 = t3.add(x3.mul(z));
        }
        s0.intoArray(acc, 0);
        s1.intoArray(acc, v);
        s2.intoArray(acc, 2 * v);
        s3.intoArray(acc, 3 * v);
        t0.intoArray(acc2, 0);
        t1.intoArray(acc2, v);
        t2.intoArray(acc2, 2 * v);
        t3.intoArray(acc2, 3 * v);
    }

    /** [K = groups x kg][taps] to [group][taps][kg]. */
    private static float[] filterMajor(float[] w, int groups, int kg, int taps) {
        float[] t = new float[w.length];
        for (int group = 0; group < groups; group++) {
            for (int k = 0; k < kg; k++) {
                for (int r = 0; r < taps; r++) {
                    t[(group * taps + r) * kg + k] = w[((group * kg) + k) * taps + r];
                }
            }
        }
        return t;
    }
}
