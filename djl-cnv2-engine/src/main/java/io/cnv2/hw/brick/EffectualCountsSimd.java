package io.cnv2.hw.brick;

import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector pass of {@link io.cnv2.hw.Threshold#count}: effectual and non-zero values counted a
 * vector at a time. Loaded only when {@link io.cnv2.Simd#enabled()} (a JVM without the Vector
 * API module never touches this class).
 */
public final class EffectualCountsSimd {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;

    private EffectualCountsSimd() {
    }

    /**
     * Counts over {@code in[0 .. end)}, {@code end} the largest multiple of the vector length
     * in the array: {@code counts[0]} += effectual values (|q| >= bound, as q >= bound or
     * q <= -bound, which holds for every short, -32768 included, when 1 <= bound <= 32767),
     * {@code counts[1]} += non-zero values. Returns {@code end}; the caller counts the tail.
     */
    public static int counts(short[] in, int bound, long[] counts) {
        short hi = (short) bound;
        short lo = (short) -bound;
        int end = S.loopBound(in.length);
        long eff = 0;
        long nonZero = 0;
        for (int i = 0; i < end; i += S.length()) {
            ShortVector v = ShortVector.fromArray(S, in, i);
            eff += v.compare(VectorOperators.GE, hi).or(v.compare(VectorOperators.LE, lo)).trueCount();
            nonZero += v.compare(VectorOperators.NE, (short) 0).trueCount();
        }
        counts[0] += eff;
        counts[1] += nonZero;
        return end;
    }
}
