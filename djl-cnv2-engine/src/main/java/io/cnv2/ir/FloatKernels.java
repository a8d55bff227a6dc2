package io.cnv2.ir;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 kernels of the reference executor: plain loops that follow the ONNX operator
 * definitions. They are checked against ONNX Runtime on every intermediate tensor.
 */
final class FloatKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /**
     * Conv weights laid out [group][c][ky][kx][filter of the group] for {@link #conv}, by the
     * weight array (arrays hash by identity; weak: dropped with their network).
     */
    private static final Map<float[], float[]> FILTER_MAJOR = Collections.synchronizedMap(new WeakHashMap<>());

    private FloatKernels() {
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
            return convPlain(op, x); // depthwise and narrow groups: nothing to vectorise over
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

    /** Conv as plain loops over ONNX's definition: the literal reference of {@link #conv}. */
    static Tensor convPlain(Conv op, Tensor x) {
        ConvGeometry g = op.geometry("", x.shape());
        int n = x.shape().dim(0);
        int oy = g.outY();
        int ox = g.outX();
        int h = g.height();
        int w = g.width();
        int cg = g.channelsPerGroup();
        int kg = g.filtersPerGroup();
        int ky = g.kernelY();
        int kx = g.kernelX();
        float[] in = x.data();
        float[] wt = op.weight().data();
        float[] out = new float[n * g.filters() * oy * ox];
        for (int b = 0; b < n; b++) {
            for (int k = 0; k < g.filters(); k++) {
                int group = k / kg;
                int outBase = (b * g.filters() + k) * oy * ox;
                float bias = op.bias() == null ? 0f : op.bias().data()[k];
                for (int i = 0; i < oy * ox; i++) {
                    out[outBase + i] = bias;
                }
                for (int c = 0; c < cg; c++) {
                    int inBase = (b * g.channels() + group * cg + c) * h * w;
                    for (int fy = 0; fy < ky; fy++) {
                        for (int fx = 0; fx < kx; fx++) {
                            float wv = wt[((k * cg + c) * ky + fy) * kx + fx];
                            if (wv == 0f) {
                                continue;
                            }
                            int offY = fy * g.dilationY() - g.padTop();
                            int offX = fx * g.dilationX() - g.padLeft();
                            int xLo = firstInside(offX, g.strideX());
                            int xHi = lastInside(offX, g.strideX(), w, ox);
                            for (int y = 0; y < oy; y++) {
                                int iy = y * g.strideY() + offY;
                                if (iy < 0 || iy >= h) {
                                    continue;
                                }
                                int row = inBase + iy * w;
                                int o = outBase + y * ox;
                                for (int xx = xLo; xx <= xHi; xx++) {
                                    out[o + xx] += wv * in[row + xx * g.strideX() + offX];
                                }
                            }
                        }
                    }
                }
            }
        }
        return new Tensor(Shape.of(n, g.filters(), oy, ox), out);
    }

    /** Smallest output index whose input index (o * stride + off) is >= 0. */
    static int firstInside(int off, int stride) {
        return off >= 0 ? 0 : Math.floorDiv(-off + stride - 1, stride);
    }

    /** Largest output index (< outSize) whose input index is < size. */
    static int lastInside(int off, int stride, int size, int outSize) {
        int hi = Math.floorDiv(size - 1 - off, stride);
        return Math.min(hi, outSize - 1);
    }

    static Tensor dense(Dense op, Tensor x) {
        int c = op.inputs();
        int n = x.shape().size() / c;
        int k = op.outputs();
        float[] w = op.weight().data();
        float[] out = new float[n * k];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < k; o++) {
                float acc = 0f;
                int wb = o * c;
                int xb = b * c;
                for (int i = 0; i < c; i++) {
                    acc += w[wb + i] * x.data()[xb + i];
                }
                out[b * k + o] = acc + (op.bias() == null ? 0f : op.bias().data()[o]);
            }
        }
        return new Tensor(op.inferShape("", List.of(x.shape())), out);
    }

    static Tensor maxPool(PoolWindow p, Tensor x, Shape outShape) {
        return pool(p, x, outShape, true, false);
    }

    static Tensor avgPool(AvgPool op, Tensor x, Shape outShape) {
        return pool(op.window(), x, outShape, false, op.countIncludePad());
    }

    private static Tensor pool(PoolWindow p, Tensor x, Shape outShape, boolean max, boolean countPad) {
        int planes = x.shape().dim(0) * x.shape().dim(1);
        int h = x.shape().dim(2);
        int w = x.shape().dim(3);
        int oy = outShape.dim(2);
        int ox = outShape.dim(3);
        float[] out = new float[planes * oy * ox];
        for (int pl = 0; pl < planes; pl++) {
            for (int y = 0; y < oy; y++) {
                for (int xx = 0; xx < ox; xx++) {
                    int y0 = y * p.strideY() - p.padTop();
                    int x0 = xx * p.strideX() - p.padLeft();
                    float best = Float.NEGATIVE_INFINITY;
                    double sum = 0;
                    int count = 0;
                    int padCount = 0;
                    for (int fy = 0; fy < p.kernelY(); fy++) {
                        for (int fx = 0; fx < p.kernelX(); fx++) {
                            int iy = y0 + fy;
                            int ix = x0 + fx;
                            boolean inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                            boolean inPadded = iy < h + p.padBottom() && ix < w + p.padRight();
                            if (inside) {
                                float v = x.data()[(pl * h + iy) * w + ix];
                                best = Math.max(best, v);
                                sum += v;
                                count++;
                            } else if (inPadded) {
                                padCount++;
                            }
                        }
                    }
                    out[(pl * oy + y) * ox + xx] = max ? best
                            : (float) (sum / (countPad ? count + padCount : count));
                }
            }
        }
        return new Tensor(outShape, out);
    }

    static Tensor globalAvgPool(Tensor x) {
        int n = x.shape().dim(0);
        int c = x.shape().dim(1);
        int hw = x.shape().size() / (n * c);
        float[] out = new float[n * c];
        for (int p = 0; p < n * c; p++) {
            double s = 0;
            for (int i = 0; i < hw; i++) {
                s += x.data()[p * hw + i];
            }
            out[p] = (float) (s / hw);
        }
        return new Tensor(Shape.of(n, c, 1, 1), out);
    }

    static Tensor eltwise(Eltwise.Kind k, Tensor a, Tensor b) {
        Shape out = Broadcast.shape("", a.shape(), b.shape());
        float[] r = new float[out.size()];
        if (a.shape().equals(out) && b.shape().equals(out)) {
            for (int i = 0; i < r.length; i++) {
                r[i] = Eltwise.apply(k, a.data()[i], b.data()[i]);
            }
        } else {
            int[] ia = Broadcast.indexMap(a.shape(), out);
            int[] ib = Broadcast.indexMap(b.shape(), out);
            for (int i = 0; i < r.length; i++) {
                r[i] = Eltwise.apply(k, a.data()[ia[i]], b.data()[ib[i]]);
            }
        }
        return new Tensor(out, r);
    }

    static Tensor concat(int axis, List<Tensor> in, Shape out) {
        float[] r = new float[out.size()];
        int outer = 1;
        for (int d = 0; d < axis; d++) {
            outer *= out.dim(d);
        }
        int pos = 0;
        for (int o = 0; o < outer; o++) {
            for (Tensor t : in) {
                int chunk = t.shape().size() / outer;
                System.arraycopy(t.data(), o * chunk, r, pos, chunk);
                pos += chunk;
            }
        }
        return new Tensor(out, r);
    }

    static Tensor softmax(int axis, Tensor x) {
        Shape s = x.shape();
        int len = s.dim(axis);
        int inner = 1;
        for (int d = axis + 1; d < s.rank(); d++) {
            inner *= s.dim(d);
        }
        int outer = s.size() / (len * inner);
        float[] r = new float[s.size()];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = o * len * inner + i;
                double m = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < len; j++) {
                    m = Math.max(m, x.data()[base + j * inner]);
                }
                double sum = 0;
                for (int j = 0; j < len; j++) {
                    sum += Math.exp(x.data()[base + j * inner] - m);
                }
                for (int j = 0; j < len; j++) {
                    r[base + j * inner] = (float) (Math.exp(x.data()[base + j * inner] - m) / sum);
                }
            }
        }
        return new Tensor(s, r);
    }

    static Tensor batchNorm(BatchNorm bn, Tensor x) {
        float[] m = bn.multiplier();
        float[] o = bn.offset();
        int n = x.shape().dim(0);
        int c = x.shape().dim(1);
        int inner = x.shape().size() / (n * c);
        float[] r = new float[x.shape().size()];
        for (int i = 0; i < r.length; i++) {
            int ch = (i / inner) % c;
            r[i] = x.data()[i] * m[ch] + o[ch];
        }
        return new Tensor(x.shape(), r);
    }
}
