package io.cnv2.hw.brick;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector inner loop of {@link WindowSums}; loaded only when {@link io.cnv2.Simd#enabled()}
 * (a JVM without the Vector API module never touches this class).
 */
final class WindowSumsSimd {
    private static final VectorSpecies<Double> V = DoubleVector.SPECIES_PREFERRED;
    /** As many 16-bit lanes as a double vector has: a streamed weight vector before widening. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(16 * V.length()));
    /** Filters per block: eight vector accumulators. */
    static final int BLOCK = 8 * V.length();
    /** Filters per wide block: twelve vector accumulators (with the broadcast and a weight, 14 of 16 AVX2 registers). */
    static final int WIDE_BLOCK = 12 * V.length();

    private WindowSumsSimd() {
    }

    /**
     * acc[o .. o + NB) += sum over pairs j0..j1 of value * the block's weights for the pair's
     * channel; the eight sums stay in registers over the loop (a method of its own so that the
     * compiler keeps the vectors unboxed).
     */
    static void tap(double[] values, int[] codes, int j0, int j1, double[] w, int wt, double[] acc, int o) {
        int v = V.length();
        DoubleVector s0 = DoubleVector.fromArray(V, acc, o);
        DoubleVector s1 = DoubleVector.fromArray(V, acc, o + v);
        DoubleVector s2 = DoubleVector.fromArray(V, acc, o + 2 * v);
        DoubleVector s3 = DoubleVector.fromArray(V, acc, o + 3 * v);
        DoubleVector s4 = DoubleVector.fromArray(V, acc, o + 4 * v);
        DoubleVector s5 = DoubleVector.fromArray(V, acc, o + 5 * v);
        DoubleVector s6 = DoubleVector.fromArray(V, acc, o + 6 * v);
        DoubleVector s7 = DoubleVector.fromArray(V, acc, o + 7 * v);
        for (int j = j0; j < j1; j++) {
            DoubleVector u = DoubleVector.broadcast(V, values[j]);
            int wi = wt + codes[j];
            s0 = u.fma(DoubleVector.fromArray(V, w, wi), s0);
            s1 = u.fma(DoubleVector.fromArray(V, w, wi + v), s1);
            s2 = u.fma(DoubleVector.fromArray(V, w, wi + 2 * v), s2);
            s3 = u.fma(DoubleVector.fromArray(V, w, wi + 3 * v), s3);
            s4 = u.fma(DoubleVector.fromArray(V, w, wi + 4 * v), s4);
            s5 = u.fma(DoubleVector.fromArray(V, w, wi + 5 * v), s5);
            s6 = u.fma(DoubleVector.fromArray(V, w, wi + 6 * v), s6);
            s7 = u.fma(DoubleVector.fromArray(V, w, wi + 7 * v), s7);
        }
        s0.intoArray(acc, o);
        s1.intoArray(acc, o + v);
        s2.intoArray(acc, o + 2 * v);
        s3.intoArray(acc, o + 3 * v);
        s4.intoArray(acc, o + 4 * v);
        s5.intoArray(acc, o + 5 * v);
        s6.intoArray(acc, o + 6 * v);
        s7.intoArray(acc, o + 7 * v);
    }

    /**
     * {@link #tap} for a block whose second half holds no filter (the layer's last block): four
     * accumulators, half the products; the other half of {@code acc} is left as it was.
     */
    static void tapHalf(double[] values, int[] codes, int j0, int j1, double[] w, int wt, double[] acc, int o) {
        int v = V.length();
        DoubleVector s0 = DoubleVector.fromArray(V, acc, o);
        DoubleVector s1 = DoubleVector.fromArray(V, acc, o + v);
        DoubleVector s2 = DoubleVector.fromArray(V, acc, o + 2 * v);
        DoubleVector s3 = DoubleVector.fromArray(V, acc, o + 3 * v);
        for (int j = j0; j < j1; j++) {
            DoubleVector u = DoubleVector.broadcast(V, values[j]);
            int wi = wt + codes[j];
            s0 = u.fma(DoubleVector.fromArray(V, w, wi), s0);
            s1 = u.fma(DoubleVector.fromArray(V, w, wi + v), s1);
            s2 = u.fma(DoubleVector.fromArray(V, w, wi + 2 * v), s2);
            s3 = u.fma(DoubleVector.fromArray(V, w, wi + 3 * v), s3);
        }
        s0.intoArray(acc, o);
        s1.intoArray(acc, o + v);
        s2.intoArray(acc, o + 2 * v);
        s3.intoArray(acc, o + 3 * v);
    }

    /** {@link #tap} for a wide block ({@link #WIDE_BLOCK} filters): twelve accumulators. */
    static void tapWide(double[] values, int[] codes, int j0, int j1, double[] w, int wt, double[] acc, int o) {
        int v = V.length();
        DoubleVector s0 = DoubleVector.fromArray(V, acc, o);
        DoubleVector s1 = DoubleVector.fromArray(V, acc, o + v);
        DoubleVector s2 = DoubleVector.fromArray(V, acc, o + 2 * v);
        DoubleVector s3 = DoubleVector.fromArray(V, acc, o + 3 * v);
        DoubleVector s4 = DoubleVector.fromArray(V, acc, o + 4 * v);
        DoubleVector s5 = DoubleVector.fromArray(V, acc, o + 5 * v);
        DoubleVector s6 = DoubleVector.fromArray(V, acc, o + 6 * v);
        DoubleVector s7 = DoubleVector.fromArray(V, acc, o + 7 * v);
        DoubleVector s8 = DoubleVector.fromArray(V, acc, o + 8 * v);
        DoubleVector s9 = DoubleVector.fromArray(V, acc, o + 9 * v);
        DoubleVector s10 = DoubleVector.fromArray(V, acc, o + 10 * v);
        DoubleVector s11 = DoubleVector.fromArray(V, acc, o + 11 * v);
        for (int j = j0; j < j1; j++) {
            DoubleVector u = DoubleVector.broadcast(V, values[j]);
            int wi = wt + codes[j];
            s0 = u.fma(DoubleVector.fromArray(V, w, wi), s0);
            s1 = u.fma(DoubleVector.fromArray(V, w, wi + v), s1);
            s2 = u.fma(DoubleVector.fromArray(V, w, wi + 2 * v), s2);
            s3 = u.fma(DoubleVector.fromArray(V, w, wi + 3 * v), s3);
            s4 = u.fma(DoubleVector.fromArray(V, w, wi + 4 * v), s4);
            s5 = u.fma(DoubleVector.fromArray(V, w, wi + 5 * v), s5);
            s6 = u.fma(DoubleVector.fromArray(V, w, wi + 6 * v), s6);
            s7 = u.fma(DoubleVector.fromArray(V, w, wi + 7 * v), s7);
            s8 = u.fma(DoubleVector.fromArray(V, w, wi + 8 * v), s8);
            s9 = u.fma(DoubleVector.fromArray(V, w, wi + 9 * v), s9);
            s10 = u.fma(DoubleVector.fromArray(V, w, wi + 10 * v), s10);
            s11 = u.fma(DoubleVector.fromArray(V, w, wi + 11 * v), s11);
        }
        s0.intoArray(acc, o);
        s1.intoArray(acc, o + v);
        s2.intoArray(acc, o + 2 * v);
        s3.intoArray(acc, o + 3 * v);
        s4.intoArray(acc, o + 4 * v);
        s5.intoArray(acc, o + 5 * v);
        s6.intoArray(acc, o + 6 * v);
        s7.intoArray(acc, o + 7 * v);
        s8.intoArray(acc, o + 8 * v);
        s9.intoArray(acc, o + 9 * v);
        s10.intoArray(acc, o + 10 * v);
        s11.intoArray(acc, o + 11 * v);
    }

    /** Lanes of a double vector. */
    static int lanes() {
        return V.length();
    }

    /**
     * acc[o .. o + width) += sum over pairs j0..j1 of value * the pair's run of {@code width}
     * weights, held as 16-bit integers ({@link WindowSums#streamed}) and widened to double in a
     * register: exactly the same values, a quarter of the bytes. The sums stay in memory (L1), four
     * pairs at a time per vector of them, so each run is read front to back.
     */
    static void tapStreamed(double[] values, int[] codes, int j0, int j1, short[] w, int wt, double[] acc, int o,
                            int width) {
        int v = V.length();
        int j = j0;
        for (; j + 4 <= j1; j += 4) {
            DoubleVector u0 = DoubleVector.broadcast(V, values[j]);
            DoubleVector u1 = DoubleVector.broadcast(V, values[j + 1]);
            DoubleVector u2 = DoubleVector.broadcast(V, values[j + 2]);
            DoubleVector u3 = DoubleVector.broadcast(V, values[j + 3]);
            int w0 = wt + codes[j];
            int w1 = wt + codes[j + 1];
            int w2 = wt + codes[j + 2];
            int w3 = wt + codes[j + 3];
            for (int k = 0; k < width; k += v) {
                DoubleVector a = DoubleVector.fromArray(V, acc, o + k);
                a = u0.fma(widen(w, w0 + k), a);
                a = u1.fma(widen(w, w1 + k), a);
                a = u2.fma(widen(w, w2 + k), a);
                a = u3.fma(widen(w, w3 + k), a);
                a.intoArray(acc, o + k);
            }
        }
        for (; j < j1; j++) {
            DoubleVector u = DoubleVector.broadcast(V, values[j]);
            int wi = wt + codes[j];
            for (int k = 0; k < width; k += v) {
                u.fma(widen(w, wi + k), DoubleVector.fromArray(V, acc, o + k)).intoArray(acc, o + k);
            }
        }
    }

    private static DoubleVector widen(short[] w, int i) {
        return (DoubleVector) ShortVector.fromArray(S, w, i).convertShape(VectorOperators.S2D, V, 0);
    }
}
