package io.cnv2.hw.brick;

import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector passes of {@link io.cnv2.hw.Threshold#count} and {@link BrickMasks#windowCounts}:
 * effectual values counted, or set as bits, a vector at a time. Loaded only when
 * {@link io.cnv2.Simd#enabled()} (a JVM without the Vector API module never touches this class).
 *
 * <p>The counts take |q| >= bound as {@code abs(max(q, -32767)) >= bound}: one compare and no
 * operation between masks (-32768 becomes 32767, effectual like it for every bound up to 32767). On JDK
 * 17 with AVX-512 the or of two masks is not compiled to vector code: it ran in Java, allocating
 * a boolean[] per vector (3.2 GB per image of ResNet-18 in a JFR allocation profile, issue #23).
 * The bits come from lanewise arithmetic, not from {@code VectorMask.toLong}, which JDK 17 does
 * not compile either.
 */
public final class EffectualCountsSimd {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    /** The preferred shape up to 512 bits: at most 32 lanes, so one vector's bits fit in a word ({@link #bits}). */
    private static final VectorSpecies<Short> R = S.vectorBitSize() <= 512 ? S : ShortVector.SPECIES_512;
    /** Longs of R's shape: each holds four of R's lanes. */
    private static final VectorSpecies<Long> L = VectorSpecies.of(long.class, VectorShape.forBitSize(R.vectorBitSize()));
    /** Per long lane j, 4 j: where its four bits go in the vector's word. */
    private static final long[] NIBBLE_SHIFTS = new long[L.length()];

    static {
        for (int j = 0; j < NIBBLE_SHIFTS.length; j++) {
            NIBBLE_SHIFTS[j] = 4L * j;
        }
    }

    private EffectualCountsSimd() {
    }

    /**
     * Counts over {@code in[0 .. end)}, {@code end} the largest multiple of the vector length
     * in the array: {@code counts[0]} += effectual values (|q| >= bound), {@code counts[1]} +=
     * non-zero values. Returns {@code end}; the caller counts the tail. {@code 1 <= bound <= 32767}.
     */
    public static int counts(short[] in, int bound, long[] counts) {
        ShortVector hi = ShortVector.broadcast(S, (short) bound);
        int end = S.loopBound(in.length);
        long eff = 0;
        long nonZero = 0;
        for (int i = 0; i < end; i += S.length()) {
            ShortVector v = ShortVector.fromArray(S, in, i);
            eff += v.max((short) -32767).abs().compare(VectorOperators.GE, hi).trueCount();
            nonZero += v.compare(VectorOperators.NE, (short) 0).trueCount();
        }
        counts[0] += eff;
        counts[1] += nonZero;
        return end;
    }

    /**
     * The effectual values of {@code in[from .. from + n)} as bits, bit x of {@code bits} for value
     * x (or-ed in; the caller clears), R's length of values at a time: a lane's
     * {@code (bound - 1 - |q|) >>> 15} is 1 when it is effectual; read as longs, each long holds
     * four such lanes at bits 0, 16, 32 and 48, folded to bits 0-3 by shifts, and long lane j
     * moved to bits 4 j and summed. R's length divides 64, so a vector's bits never straddle
     * two words. Returns how many values it did, a multiple of the vector length; the caller does
     * the rest. {@code 1 <= bound <= 32767}.
     */
    public static int bits(short[] in, int from, int n, int bound, long[] bits) {
        short below = (short) (bound - 1);
        LongVector shifts = LongVector.fromArray(L, NIBBLE_SHIFTS, 0);
        int step = R.length();
        int x = 0;
        for (; x + step <= n; x += step) {
            ShortVector a = ShortVector.fromArray(R, in, from + x).abs();
            // below - a, wrapping: in [-32767, 32766] for a = |q| <= 32767, negative exactly when a >= bound;
            // for q = -32768 (a = -32768) below - 32768 < 0, effectual, as it must be
            ShortVector e = a.lanewise(VectorOperators.NEG).add(below).lanewise(VectorOperators.LSHR, 15);
            LongVector q = e.reinterpretAsLongs();
            LongVector nibbles = q.or(q.lanewise(VectorOperators.LSHR, 15)).or(q.lanewise(VectorOperators.LSHR, 30))
                    .or(q.lanewise(VectorOperators.LSHR, 45)).and(0xFL);
            long m = nibbles.lanewise(VectorOperators.LSHL, shifts).reduceLanes(VectorOperators.ADD);
            bits[x >>> 6] |= m << x;
        }
        return x;
    }
}
