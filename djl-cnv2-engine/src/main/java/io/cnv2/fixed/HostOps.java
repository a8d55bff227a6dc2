package io.cnv2.fixed;

import io.cnv2.ir.Activation;
import io.cnv2.ir.Broadcast;
import io.cnv2.ir.Eltwise;
import io.cnv2.ir.MatMul;
import io.cnv2.ir.ReduceMean;
import io.cnv2.ir.Relayout;
import io.cnv2.ir.Resize;
import io.cnv2.ir.PoolWindow;
import io.cnv2.ir.Shape;
import java.math.BigInteger;
import java.util.List;

/**
 * The layers the accelerator does not run, in 16-bit fixed point, as CNV2-MODEL.md section 2
 * ("Other layers in fixed point") chooses them. Each method returns a new tensor and adds the
 * saturations it caused to {@code sat[0]}.
 */
public final class HostOps {
    private HostOps() {
    }

    /** ReLU = max(0, q) (rule 6); exact, same format. */
    public static QTensor relu(QTensor x) {
        short[] d = x.data();
        short[] r = new short[d.length];
        for (int i = 0; i < r.length; i++) {
            // branch-free (half the activations are negative) and by masking, which the JIT turns
            // into vector instructions where it did not for Math.max on shorts: 30 -> 12 us for the
            // shipped CNN's 31,000 ReLU outputs an image (issue 23)
            int v = d[i];
            r[i] = (short) (v & ~(v >> 31));
        }
        return new QTensor(x.shape(), r, x.frac());
    }

    /** Clip to [min, max] with both bounds quantised to the input's format (rule 1); same format. */
    public static QTensor clip(QTensor x, double min, double max) {
        int lo = Fixed.quantize(min, x.frac());
        int hi = Fixed.quantize(max, x.frac());
        short[] r = new short[x.data().length];
        for (int i = 0; i < r.length; i++) {
            r[i] = (short) Math.min(Math.max(x.data()[i], lo), hi);
        }
        return new QTensor(x.shape(), r, x.frac());
    }

    /**
     * Smooth functions (sigmoid, tanh, hard-sigmoid, hard-swish): f(q / 2^f) in double,
     * requantised with rule 1, which is what a lookup-table activation unit holds.
     */
    public static QTensor smooth(Activation fn, QTensor x, int outFrac, long[] sat) {
        short[] r = new short[x.data().length];
        // 65536 possible inputs: a table is both the hardware's view and faster for big tensors
        double[] cache = new double[1 << 16];
        boolean[] have = new boolean[1 << 16];
        for (int i = 0; i < r.length; i++) {
            int q = x.data()[i];
            int key = q & 0xFFFF;
            if (!have[key]) {
                cache[key] = fn.eval(Fixed.toDouble(q, x.frac()));
                have[key] = true;
            }
            double y = cache[key];
            if (Fixed.saturates(y, outFrac)) {
                sat[0]++;
            }
            r[i] = (short) Fixed.quantize(y, outFrac);
        }
        return new QTensor(x.shape(), r, outFrac);
    }

    /** Max pooling is exact; padded positions never win. Same format. */
    public static QTensor maxPool(PoolWindow p, QTensor x, Shape out) {
        return pool(p, x, out, true, false);
    }

    /** Average pooling: exact sum, then divide with round half up; same format as the input. */
    public static QTensor avgPool(PoolWindow p, boolean countPad, QTensor x, Shape out) {
        return pool(p, x, out, false, countPad);
    }

    private static QTensor pool(PoolWindow p, QTensor x, Shape outShape, boolean max, boolean countPad) {
        int planes = x.shape().dim(0) * x.shape().dim(1);
        int h = x.shape().dim(2);
        int w = x.shape().dim(3);
        int oy = outShape.dim(2);
        int ox = outShape.dim(3);
        short[] d = x.data();
        short[] r = new short[planes * oy * ox];
        if (max && p.kernelY() == 2 && p.kernelX() == 2 && p.strideY() == 2 && p.strideX() == 2
                && p.padTop() == 0 && p.padLeft() == 0 && 2 * oy <= h && 2 * ox <= w) {
            maxPool2x2(d, planes, h, w, oy, ox, r);
            return new QTensor(outShape, r, x.frac());
        }
        // each output's window clipped to the input once per row and column, not tested per tap (a
        // pool runs on every image): rows [fy0, fy1) and columns [fx0, fx1) of the kernel fall inside
        int[] fx0 = new int[ox];
        int[] fx1 = new int[ox];
        int[] inX = new int[ox]; // kernel columns left of w + padRight: inside, or explicit padding
        for (int xx = 0; xx < ox; xx++) {
            int ix0 = xx * p.strideX() - p.padLeft();
            fx0[xx] = Math.max(0, -ix0);
            fx1[xx] = Math.min(p.kernelX(), w - ix0);
            inX[xx] = Math.max(0, Math.min(p.kernelX(), w + p.padRight() - ix0));
        }
        // the outputs whose window lies wholly inside a row: a run, since windows move right with xx
        int fullFrom = 0;
        while (fullFrom < ox && !(fx0[fullFrom] == 0 && fx1[fullFrom] == p.kernelX())) {
            fullFrom++;
        }
        int fullTo = fullFrom;
        while (fullTo < ox && fx0[fullTo] == 0 && fx1[fullTo] == p.kernelX()) {
            fullTo++;
        }
        short[] rows = max ? new short[w] : null;
        short[] spans = max ? new short[w] : null;
        for (int pl = 0; pl < planes; pl++) {
            for (int y = 0; y < oy; y++) {
                int iy0 = y * p.strideY() - p.padTop();
                int fy0 = Math.max(0, -iy0);
                int fy1 = Math.min(p.kernelY(), h - iy0);
                int inY = Math.max(0, Math.min(p.kernelY(), h + p.padBottom() - iy0));
                int at = (pl * oy + y) * ox;
                if (max) {
                    // rows first, then columns, each an element-wise pass of vector maxima (maxInto): a
                    // window of a few taps per output would leave loops of trip count 2
                    if (fy1 <= fy0) {
                        continue; // no row inside: every output of the row is 0, as allocated
                    }
                    int base = (pl * h + iy0) * w;
                    System.arraycopy(d, base + fy0 * w, rows, 0, w);
                    for (int fy = fy0 + 1; fy < fy1; fy++) {
                        maxInto(rows, 0, d, base + fy * w, w);
                    }
                    // spans[i] = the maximum of rows[i .. i + Kx): a window wholly inside reads one
                    int full = w - p.kernelX() + 1;
                    if (full > 0) {
                        System.arraycopy(rows, 0, spans, 0, full);
                        for (int fx = 1; fx < p.kernelX(); fx++) {
                            maxInto(spans, 0, rows, fx, full);
                        }
                    }
                    // the windows wholly inside the row, a run [fullFrom, fullTo): one read each
                    int sx = p.strideX();
                    for (int xx = fullFrom, ix0 = xx * sx - p.padLeft(); xx < fullTo; xx++, ix0 += sx) {
                        r[at + xx] = spans[ix0];
                    }
                    for (int xx = 0; xx < ox; xx++) {
                        if (xx == fullFrom) {
                            xx = fullTo - 1;
                            continue;
                        }
                        int ix0 = xx * p.strideX() - p.padLeft();
                        int best = Integer.MIN_VALUE; // no column inside: (short) MIN_VALUE = 0
                        for (int fx = fx0[xx]; fx < fx1[xx]; fx++) {
                            best = Math.max(best, rows[ix0 + fx]);
                        }
                        r[at + xx] = (short) best;
                    }
                    continue;
                }
                for (int xx = 0; xx < ox; xx++) {
                    int ix0 = xx * p.strideX() - p.padLeft();
                    int n = Math.max(0, fy1 - fy0) * Math.max(0, fx1[xx] - fx0[xx]);
                    long sum = 0;
                    for (int fy = fy0; fy < fy1; fy++) {
                        int row = (pl * h + iy0 + fy) * w + ix0;
                        for (int fx = fx0[xx]; fx < fx1[xx]; fx++) {
                            sum += d[row + fx];
                        }
                    }
                    // padded taps: before the end of the explicit padding, not inside
                    int padded = inY * inX[xx] - n;
                    r[at + xx] = (short) divRoundHalfUp(sum, countPad ? n + padded : n);
                }
            }
        }
        return new QTensor(outShape, r, x.frac());
    }

    /** a[ao + i] = max(a[ao + i], b[bo + i]) for i in 0 .. n - 1: with the Vector API where it runs. */
    private static void maxInto(short[] a, int ao, short[] b, int bo, int n) {
        if (io.cnv2.Simd.enabled()) {
            ShortMaxSimd.maxInto(a, ao, b, bo, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            a[ao + i] = (short) Math.max(a[ao + i], b[bo + i]);
        }
    }

    /**
     * The commonest pool, 2x2 with stride 2 and every window inside the input: four values per
     * output and nothing else, the last maximum taken without a branch (after ReLU the
     * comparisons are coin flips; |a - b| < 2^16, so the difference cannot overflow).
     */
    private static void maxPool2x2(short[] d, int planes, int h, int w, int oy, int ox, short[] r) {
        for (int pl = 0; pl < planes; pl++) {
            for (int y = 0; y < oy; y++) {
                int top = (pl * h + 2 * y) * w;
                int bottom = top + w;
                int at = (pl * oy + y) * ox;
                for (int xx = 0; xx < ox; xx++) {
                    int a = Math.max(d[top + 2 * xx], d[top + 2 * xx + 1]);
                    int b = Math.max(d[bottom + 2 * xx], d[bottom + 2 * xx + 1]);
                    int diff = b - a;
                    r[at + xx] = (short) (a + (diff & ~(diff >> 31)));
                }
            }
        }
    }

    /** Global average pooling: exact sum per channel, divide with round half up; same format. */
    public static QTensor globalAvgPool(QTensor x) {
        int n = x.shape().dim(0);
        int c = x.shape().dim(1);
        int hw = x.shape().size() / (n * c);
        short[] r = new short[n * c];
        for (int p = 0; p < n * c; p++) {
            long s = 0;
            for (int i = 0; i < hw; i++) {
                s += x.data()[p * hw + i];
            }
            r[p] = (short) divRoundHalfUp(s, hw);
        }
        return new QTensor(Shape.of(n, c, 1, 1), r, x.frac());
    }

    /** floor(a / b + 1/2) for b > 0: division with round half up. */
    static long divRoundHalfUp(long a, long b) {
        return Math.floorDiv(2 * a + b, 2 * b);
    }

    /**
     * Element-wise op with broadcasting. Add/sub align both operands to the output format
     * (shift with round half up), operate and saturate; mul multiplies exactly and requantises
     * as rule 5; div [chosen] rounds the exact quotient (qa / 2^fa) / (qb / 2^fb) * 2^fo half up
     * and saturates, a zero divisor giving the saturated value of the dividend's sign (0 for 0/0).
     */
    public static QTensor eltwise(Eltwise.Kind k, QTensor a, QTensor b, Shape out, int fo, long[] sat) {
        // an operand of the output's shape (both of a residual connection's) is read in place: no
        // tensor-sized index map per call
        int[] ia = a.shape().equals(out) ? null : Broadcast.indexMap(a.shape(), out);
        int[] ib = b.shape().equals(out) ? null : Broadcast.indexMap(b.shape(), out);
        short[] r = new short[out.size()];
        for (int i = 0; i < r.length; i++) {
            long qa = a.data()[ia == null ? i : ia[i]];
            long qb = b.data()[ib == null ? i : ib[i]];
            long v = switch (k) {
                case ADD -> Fixed.shiftRound(qa, a.frac() - fo) + Fixed.shiftRound(qb, b.frac() - fo);
                case SUB -> Fixed.shiftRound(qa, a.frac() - fo) - Fixed.shiftRound(qb, b.frac() - fo);
                case MUL -> Fixed.shiftRound(qa * qb, a.frac() + b.frac() - fo);
                case DIV -> divide(qa, a.frac(), qb, b.frac(), fo);
                case POW -> power(qa, a.frac(), qb, b.frac(), fo);
            };
            int s = Fixed.saturate(v);
            if (s != v) {
                sat[0]++;
            }
            r[i] = (short) s;
        }
        return new QTensor(out, r, fo);
    }

    /**
     * Pow [chosen]: (qa / 2^fa)^(qb / 2^fb) in double, quantised to the output format with rule 1
     * (NaN gives 0). For the squares of layer normalisation the double is exact (a 16-bit integer
     * squared), so the result is the exact square rounded once.
     */
    static long power(long qa, int fa, long qb, int fb, int fo) {
        double y = Math.pow(Fixed.toDouble((int) qa, fa), Fixed.toDouble((int) qb, fb));
        double scaled = Math.scalb(y, fo);
        if (Double.isNaN(scaled)) {
            return 0;
        }
        double r = Math.signum(scaled) * Math.floor(Math.abs(scaled) + 0.5);
        // beyond the 16-bit range: report one past it so the caller counts a saturation
        return r > Fixed.MAX ? Fixed.MAX + 1L : r < Fixed.MIN ? Fixed.MIN - 1L : (long) r;
    }

    static long divide(long qa, int fa, long qb, int fb, int fo) {
        if (qb == 0) {
            return qa > 0 ? Fixed.MAX + 1L : qa < 0 ? Fixed.MIN - 1L : 0;
        }
        // value = qa * 2^(fo - fa + fb) / qb, exactly, rounded half up
        int e = fo - fa + fb;
        BigInteger num = BigInteger.valueOf(qa);
        BigInteger den = BigInteger.valueOf(qb);
        if (e >= 0) {
            num = num.shiftLeft(e);
        } else {
            den = den.shiftLeft(-e);
        }
        if (den.signum() < 0) {
            num = num.negate();
            den = den.negate();
        }
        // floor((2 num + den) / (2 den))
        BigInteger[] qr = num.shiftLeft(1).add(den).divideAndRemainder(den.shiftLeft(1));
        BigInteger q = qr[0];
        if (qr[1].signum() < 0) {
            q = q.subtract(BigInteger.ONE);
        }
        return q.max(BigInteger.valueOf(Fixed.MIN - 1L)).min(BigInteger.valueOf(Fixed.MAX + 1L)).longValue();
    }

    /** Concat requantises each input to the output format (round half up, saturate). */
    public static QTensor concat(int axis, List<QTensor> in, Shape out, int fo, long[] sat) {
        short[] r = new short[out.size()];
        int outer = 1;
        for (int d = 0; d < axis; d++) {
            outer *= out.dim(d);
        }
        int pos = 0;
        for (int o = 0; o < outer; o++) {
            for (QTensor t : in) {
                int chunk = t.data().length / outer;
                for (int i = 0; i < chunk; i++) {
                    long v = Fixed.shiftRound(t.data()[o * chunk + i], t.frac() - fo);
                    int s = Fixed.saturate(v);
                    if (s != v) {
                        sat[0]++;
                    }
                    r[pos++] = (short) s;
                }
            }
        }
        return new QTensor(out, r, fo);
    }

    /**
     * A BatchNorm that follows no conv: y = x * m + o per channel, with m and o quantised to
     * their own formats; the product is exact, the offset aligned, then requantised (rule 5).
     */
    public static QTensor affine(QTensor x, float[] mul, float[] off, int fo, long[] sat) {
        int c = x.shape().dim(1);
        int inner = x.shape().size() / (x.shape().dim(0) * c);
        int fm = Fixed.fracFor(min(mul), max(mul));
        int fb = Fixed.fracFor(min(off), max(off));
        short[] r = new short[x.data().length];
        for (int i = 0; i < r.length; i++) {
            int ch = (i / inner) % c;
            long acc = (long) x.data()[i] * Fixed.quantize(mul[ch], fm)
                    + Fixed.alignBias(Fixed.quantize(off[ch], fb), fb, x.frac() + fm);
            long v = Fixed.shiftRound(acc, x.frac() + fm - fo);
            int s = Fixed.saturate(v);
            if (s != v) {
                sat[0]++;
            }
            r[i] = (short) s;
        }
        return new QTensor(x.shape(), r, fo);
    }

    /** Data movement (Transpose, Slice): each output is one input value; exact, same format. */
    public static QTensor relayout(Relayout op, QTensor x, Shape out) {
        int[] src = op.sources(x.shape(), out);
        short[] r = new short[src.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = x.data()[src[i]];
        }
        return new QTensor(out, r, x.frac());
    }

    /**
     * Resize [chosen]: each output is the convex combination its taps give, summed in double over the
     * integers and rounded half up (floor(s + 1/2)); same format as the input, which a convex
     * combination cannot leave. Nearest has one tap of weight 1, so it is exact.
     */
    public static QTensor resize(Resize op, QTensor x, Shape out) {
        Resize.Taps[] taps = op.taps(x.shape());
        short[] r = new short[taps.length];
        for (int i = 0; i < r.length; i++) {
            double s = 0;
            for (int t = 0; t < taps[i].index().length; t++) {
                s += taps[i].weight()[t] * x.data()[taps[i].index()[t]];
            }
            r[i] = (short) Fixed.saturate((long) Math.floor(s + 0.5));
        }
        return new QTensor(out, r, x.frac());
    }

    /** ReduceMean: exact sum, divided with round half up (as average pooling); same format. */
    public static QTensor reduceMean(ReduceMean op, QTensor x, Shape out) {
        int[] dst = op.destinations(x.shape());
        long[] sum = new long[out.size()];
        for (int i = 0; i < dst.length; i++) {
            sum[dst[i]] += x.data()[i];
        }
        int n = op.count(x.shape());
        short[] r = new short[sum.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = (short) divRoundHalfUp(sum[i], n);
        }
        return new QTensor(out, r, x.frac());
    }

    /**
     * MatMul of two activation tensors [chosen]: exact 32-bit products summed exactly in 64 bits at
     * fa + fb, then requantised to the output format as rule 5 (shift with round half up, saturate).
     * No accumulator wrap: the host adds in 64 bits, enough for any fan-in below 2^33.
     */
    public static QTensor matmul(MatMul op, QTensor a, QTensor b, Shape out, int fo, long[] sat) {
        MatMul.Plan p = op.plan(a.shape(), b.shape());
        short[] r = new short[out.size()];
        int shift = a.frac() + b.frac() - fo;
        for (int bt = 0; bt < p.aOffset().length; bt++) {
            for (int i = 0; i < p.m(); i++) {
                for (int j = 0; j < p.n(); j++) {
                    long acc = 0;
                    for (int t = 0; t < p.k(); t++) {
                        acc += (long) a.data()[p.aOffset()[bt] + i * p.k() + t]
                                * b.data()[p.bOffset()[bt] + t * p.n() + j];
                    }
                    long v = Fixed.shiftRound(acc, shift);
                    int s = Fixed.saturate(v);
                    if (s != v) {
                        sat[0]++;
                    }
                    r[(bt * p.m() + i) * p.n() + j] = (short) s;
                }
            }
        }
        return new QTensor(out, r, fo);
    }

    private static double min(float[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (float f : v) {
            m = Math.min(m, f);
        }
        return m;
    }

    private static double max(float[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (float f : v) {
            m = Math.max(m, f);
        }
        return m;
    }
}
