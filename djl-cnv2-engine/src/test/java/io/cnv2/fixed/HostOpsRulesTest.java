package io.cnv2.fixed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cnv2.ir.Activation;
import io.cnv2.ir.Eltwise;
import io.cnv2.ir.PoolWindow;
import io.cnv2.ir.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CNV2-MODEL.md section 2, "Other layers in fixed point", one test per rule. */
class HostOpsRulesTest {

    static QTensor q(int frac, int... v) {
        short[] s = new short[v.length];
        for (int i = 0; i < v.length; i++) {
            s[i] = (short) v[i];
        }
        return new QTensor(Shape.of(1, v.length), s, frac);
    }

    static QTensor img(int frac, int h, int w, int... v) {
        return q(frac, v).reshape(Shape.of(1, 1, h, w));
    }

    static int[] ints(QTensor t) {
        int[] r = new int[t.data().length];
        for (int i = 0; i < r.length; i++) {
            r[i] = t.data()[i];
        }
        return r;
    }

    @Test
    void reluIsMaxOfZeroAndQ() {
        assertArrayEquals(new int[] {0, 0, 5, 32767}, ints(HostOps.relu(q(3, -7, 0, 5, 32767))));
        // the extremes and every value in between, against the definition
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) (i - 32768);
        }
        short[] r = HostOps.relu(new QTensor(new Shape(1, all.length), all, 3)).data();
        for (int i = 0; i < all.length; i++) {
            assertEquals(Math.max(all[i], 0), r[i], "relu(" + all[i] + ")");
        }
    }

    @Test
    void clipBoundsAreQuantisedToTheInputFormat() {
        // format f=2: 6.0 -> 24, 0.0 -> 0
        assertArrayEquals(new int[] {0, 10, 24}, ints(HostOps.clip(q(2, -3, 10, 30), 0.0, 6.0)));
    }

    @Test
    void averagePoolingSumsExactlyThenRoundsHalfUp() {
        // 2x2 window sums: (1+2+3+4)=10 -> 10/4 = 2.5 -> 3; (-1-2-3-4)=-10 -> -2.5 -> -2 (half up)
        QTensor x = img(0, 2, 4, 1, 2, -1, -2, 3, 4, -3, -4);
        PoolWindow w = new PoolWindow(2, 2, 2, 2, 0, 0, 0, 0, false);
        assertArrayEquals(new int[] {3, -2}, ints(HostOps.avgPool(w, false, x, Shape.of(1, 1, 1, 2))));
    }

    @Test
    void globalAveragePoolingRoundsHalfUp() {
        QTensor x = img(4, 1, 4, 1, 1, 1, 0); // 3/4 = 0.75 -> 1
        assertArrayEquals(new int[] {1}, ints(HostOps.globalAvgPool(x)));
    }

    @Test
    void maxPoolingIsExactAndPaddingNeverWins() {
        QTensor x = img(0, 2, 2, -5, -6, -7, -8);
        PoolWindow w = new PoolWindow(2, 2, 1, 1, 1, 1, 0, 0, false); // first window mostly padding
        assertArrayEquals(new int[] {-5, -5, -5, -5}, ints(HostOps.maxPool(w, x, Shape.of(1, 1, 2, 2))));
    }

    @Test
    void addAlignsBothOperandsToTheOutputFormatThenSaturates() {
        long[] sat = new long[1];
        // a = 3/2^1 = 1.5, b = 5/2^3 = 0.625; to fo=2: a -> 6, b -> 5*2^-1 = 2.5 -> 3 (half up); 6+3 = 9
        QTensor r = HostOps.eltwise(Eltwise.Kind.ADD, q(1, 3), q(3, 5), Shape.of(1, 1), 2, sat);
        assertArrayEquals(new int[] {9}, ints(r));
        QTensor big = HostOps.eltwise(Eltwise.Kind.ADD, q(0, 30000), q(0, 30000), Shape.of(1, 1), 0, sat);
        assertArrayEquals(new int[] {32767}, ints(big));
        assertEquals(1, sat[0]);
    }

    @Test
    void subtractionAlignsLikeAddition() {
        long[] sat = new long[1];
        QTensor r = HostOps.eltwise(Eltwise.Kind.SUB, q(1, 3), q(3, 5), Shape.of(1, 1), 2, sat);
        assertArrayEquals(new int[] {3}, ints(r)); // 6 - 3
    }

    @Test
    void multiplicationIsExactThenRequantisedByRule5() {
        long[] sat = new long[1];
        // 7 * 3 = 21 at f=2+1=3; to fo=1: shift 2 with half up: (21+2)>>2 = 5
        QTensor r = HostOps.eltwise(Eltwise.Kind.MUL, q(2, 7), q(1, 3), Shape.of(1, 1), 1, sat);
        assertArrayEquals(new int[] {5}, ints(r));
        // -21 -> (-21+2)>>2 = -5 (round half up, arithmetic shift)
        assertArrayEquals(new int[] {-5}, ints(HostOps.eltwise(Eltwise.Kind.MUL, q(2, -7), q(1, 3), Shape.of(1, 1), 1, sat)));
    }

    @Test
    void divisionRoundsTheExactQuotientHalfUp() {
        long[] sat = new long[1];
        // (5/2^0) / (2/2^0) = 2.5 -> fo=0: 3 ; -2.5 -> -2 (half up)
        assertArrayEquals(new int[] {3}, ints(HostOps.eltwise(Eltwise.Kind.DIV, q(0, 5), q(0, 2), Shape.of(1, 1), 0, sat)));
        assertArrayEquals(new int[] {-2}, ints(HostOps.eltwise(Eltwise.Kind.DIV, q(0, -5), q(0, 2), Shape.of(1, 1), 0, sat)));
        // 1.0 / 6.0 at fo=12: 4096/6 = 682.67 -> 683; a=256 (f=8), b=6 (f=0)
        assertArrayEquals(new int[] {683}, ints(HostOps.eltwise(Eltwise.Kind.DIV, q(8, 256), q(0, 6), Shape.of(1, 1), 12, sat)));
        // a zero divisor saturates to the dividend's sign
        sat[0] = 0;
        assertArrayEquals(new int[] {32767, -32768, 0},
                ints(HostOps.eltwise(Eltwise.Kind.DIV, q(0, 3, -3, 0), q(0, 0, 0, 0), Shape.of(1, 3), 0, sat)));
        assertEquals(2, sat[0]);
    }

    @Test
    void concatRequantisesEachInputToTheOutputFormat() {
        long[] sat = new long[1];
        QTensor r = HostOps.concat(1, List.of(q(2, 5), q(0, 3)), Shape.of(1, 2), 1, sat);
        assertArrayEquals(new int[] {3, 6}, ints(r)); // 5/4 -> (5+1)>>1 = 3 ; 3 -> 6
    }

    @Test
    void smoothFunctionsEvaluateInDoubleAndRequantiseByRule1() {
        long[] sat = new long[1];
        QTensor x = q(8, 0, 256, -256); // 0, 1, -1
        QTensor y = HostOps.smooth(Activation.sigmoid(), x, 14, sat);
        assertArrayEquals(new int[] {8192, Fixed.quantize(1 / (1 + Math.exp(-1)), 14),
            Fixed.quantize(1 / (1 + Math.exp(1)), 14)}, ints(y));
        QTensor hs = HostOps.smooth(Activation.hardSwish(), q(8, 768), 8, sat); // hardswish(3) = 3
        assertArrayEquals(new int[] {768}, ints(hs));
        assertEquals(0, sat[0]);
        // leaky ReLU (alpha 0.1): -1 -> -0.1, rounded to nearest in the output format; positives pass
        QTensor lr = HostOps.smooth(Activation.leakyRelu(0.1f), x, 10, sat);
        assertArrayEquals(new int[] {0, 1024, Fixed.quantize(-0.1 * (double) 0.1f / 0.1, 10)}, ints(lr));
        assertEquals(-102, ints(lr)[2], "-0.1 x 2^10 = -102.4 rounds to -102");
    }

    /**
     * Pooling as the rule reads, tap by tap: max over the taps inside (padding never wins), average
     * over the taps inside, or also the explicit padding's with countIncludePad. The pools of
     * {@link HostOps} clip each window once instead and must give these bits.
     */
    private static short[] literalPool(PoolWindow p, QTensor x, Shape outShape, boolean max, boolean countPad) {
        int planes = x.shape().dim(0) * x.shape().dim(1);
        int h = x.shape().dim(2);
        int w = x.shape().dim(3);
        int oy = outShape.dim(2);
        int ox = outShape.dim(3);
        short[] r = new short[planes * oy * ox];
        for (int pl = 0; pl < planes; pl++) {
            for (int y = 0; y < oy; y++) {
                for (int xx = 0; xx < ox; xx++) {
                    int best = Integer.MIN_VALUE;
                    long sum = 0;
                    int n = 0;
                    int padded = 0;
                    for (int fy = 0; fy < p.kernelY(); fy++) {
                        for (int fx = 0; fx < p.kernelX(); fx++) {
                            int iy = y * p.strideY() - p.padTop() + fy;
                            int ix = xx * p.strideX() - p.padLeft() + fx;
                            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                int v = x.data()[(pl * h + iy) * w + ix];
                                best = Math.max(best, v);
                                sum += v;
                                n++;
                            } else if (iy < h + p.padBottom() && ix < w + p.padRight()) {
                                padded++;
                            }
                        }
                    }
                    r[(pl * oy + y) * ox + xx] = (short) (max ? best
                            : HostOps.divRoundHalfUp(sum, countPad ? n + padded : n));
                }
            }
        }
        return r;
    }

    @Test
    void poolsGiveTheTapByTapBitsOnRandomWindowsPaddingAndCeilMode() {
        java.util.Random r = new java.util.Random(2016);
        for (int i = 0; i < 400; i++) {
            int ky = 1 + r.nextInt(4);
            int kx = 1 + r.nextInt(4);
            // every fourth: the commonest pool, 2x2 with stride 2 and no padding, which has a path of its own
            PoolWindow p = i % 4 == 0 ? new PoolWindow(2, 2, 2, 2, 0, 0, 0, 0, r.nextBoolean())
                    : new PoolWindow(ky, kx, 1 + r.nextInt(3), 1 + r.nextInt(3), r.nextInt(ky), r.nextInt(kx),
                    r.nextInt(ky), r.nextInt(kx), r.nextBoolean());
            int h = p.kernelY() + r.nextInt(9);
            // every eighth a row past a vector of 16-bit lanes (the vector maxima's loop and its tail)
            int w = p.kernelX() + r.nextInt(9) + (i % 8 == 3 ? 60 + r.nextInt(80) : 0);
            Shape in = Shape.of(1 + r.nextInt(2), 1 + r.nextInt(5), h, w);
            short[] d = new short[in.size()];
            for (int j = 0; j < d.length; j++) {
                d[j] = (short) (r.nextInt(3) == 0 ? 0 : r.nextInt(65536));
            }
            QTensor x = new QTensor(in, d, r.nextInt(16));
            Shape out = Shape.of(in.dim(0), in.dim(1), p.outY(h), p.outX(w));
            String what = "case " + i + ": " + p + " on " + in;
            assertArrayEquals(literalPool(p, x, out, true, false), HostOps.maxPool(p, x, out).data(), what);
            boolean countPad = r.nextBoolean();
            assertArrayEquals(literalPool(p, x, out, false, countPad), HostOps.avgPool(p, countPad, x, out).data(),
                    what + " countPad " + countPad);
        }
    }

    /**
     * Rule of eltwise add and sub (FIXED-POINT.md): each operand aligned to the output format with
     * round half up, summed, saturated, every saturation counted; the same-shape path (residual
     * connections) against that rule written out, and against the broadcasting path on a
     * broadcast operand of the same values.
     */
    @Test
    void residualSumIsTheEltwiseRule() {
        java.util.Random r = new java.util.Random(5);
        for (int t = 0; t < 200; t++) {
            int n = 1 + r.nextInt(300);
            Shape shape = new Shape(1, n);
            short[] a = new short[n];
            short[] b = new short[n];
            for (int i = 0; i < n; i++) {
                a[i] = (short) r.nextInt(1 << 16);
                b[i] = (short) r.nextInt(1 << 16);
            }
            int fa = r.nextInt(16);
            int fb = r.nextInt(16);
            int fo = r.nextInt(16);
            boolean sub = r.nextBoolean();
            long[] sat = new long[1];
            QTensor got = HostOps.eltwise(sub ? Eltwise.Kind.SUB : Eltwise.Kind.ADD, new QTensor(shape, a, fa),
                    new QTensor(shape, b, fb), shape, fo, sat);
            short[] want = new short[n];
            long saturated = 0;
            for (int i = 0; i < n; i++) {
                long qa = Fixed.shiftRound(a[i], fa - fo);
                long qb = Fixed.shiftRound(b[i], fb - fo);
                long v = sub ? qa - qb : qa + qb;
                long s = Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v));
                saturated += s != v ? 1 : 0;
                want[i] = (short) s;
            }
            assertArrayEquals(want, got.data(), "case " + t);
            assertEquals(saturated, sat[0], "saturations, case " + t);
            // the broadcasting path: b as [n, 1] against a as [1, n] gives the n x n table, whose diagonal is the same sums
            long[] sat2 = new long[1];
            QTensor table = HostOps.eltwise(sub ? Eltwise.Kind.SUB : Eltwise.Kind.ADD, new QTensor(new Shape(1, n), a, fa),
                    new QTensor(new Shape(n, 1), b, fb), new Shape(n, n), fo, sat2);
            for (int i = 0; i < n; i++) {
                assertEquals(want[i], table.data()[i * n + i], "broadcast path, case " + t);
            }
        }
    }
}
