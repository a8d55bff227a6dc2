package io.cnv2.hw.brick;

import io.cnv2.fixed.Fixed;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector body of {@link OutputStage#putBlock} (its comment gives the rule and why double
 * arithmetic gives the same bits); loaded only when {@link io.cnv2.Simd#enabled()}.
 */
final class OutputStageSimd {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** 1.5 * 2^52: adding and subtracting it rounds a double of magnitude below 2^51 to an integer, ties to even. */
    private static final double RINT_MAGIC = 0x1.8p52;

    private OutputStageSimd() {
    }

    /**
     * Finishes whole vectors of filters k0 .. k0 + count - 1 (shift s) into {@code out}; returns
     * {saturations, filters done}, the rest left to the scalar rule.
     */
    static long[] finish(double[] sums, int from, int stride, int positions, int k0, int count, int s,
                         double[] biasAsDouble, short[] out) {
        int v = D.length();
        double scale = Math.scalb(1.0, -s);
        DoubleVector half = DoubleVector.broadcast(D, Math.scalb(1.0, -(s + 1)));
        DoubleVector magic = DoubleVector.broadcast(D, RINT_MAGIC);
        DoubleVector lo = DoubleVector.broadcast(D, Fixed.MIN);
        DoubleVector hi = DoubleVector.broadcast(D, Fixed.MAX);
        double[] lane = new double[v];
        long saturated = 0;
        int k = 0;
        for (; k + v <= count; k += v) {
            DoubleVector bias = DoubleVector.fromArray(D, biasAsDouble, k0 + k);
            for (int p = 0; p < positions; p++) {
                DoubleVector y = DoubleVector.fromArray(D, sums, from + p * stride + k).add(bias).mul(scale);
                DoubleVector r = y.add(half).add(magic).sub(magic);
                DoubleVector c = r.max(lo).min(hi);
                saturated += c.compare(VectorOperators.NE, r).trueCount();
                c.intoArray(lane, 0);
                int index = (k0 + k) * positions + p;
                for (int i = 0; i < v; i++, index += positions) {
                    out[index] = (short) lane[i];
                }
            }
        }
        return new long[] {saturated, k};
    }
}
