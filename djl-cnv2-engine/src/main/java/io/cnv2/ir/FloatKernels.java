package io.cnv2.ir;

import java.util.List;

/**
 * Float32 kernels of the reference executor: plain loops that follow the ONNX operator
 * definitions. They are checked against ONNX Runtime on every intermediate tensor.
 */
final class FloatKernels {

    private FloatKernels() {
    }

    /**
     * Conv: vectorised over the filters of a group ({@link FloatConvSimd}) when the Vector API is
     * enabled, else the plain loops, which add the same rounded products in the same order
     * (FloatConvRulesTest holds the two equal).
     */
    static Tensor conv(Conv op, Tensor x) {
        return io.cnv2.Simd.enabled() ? FloatConvSimd.conv(op, x) : convPlain(op, x);
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
