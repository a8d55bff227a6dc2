package io.cnv2.hw.brick;

import io.cnv2.fixed.Fixed;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector body of {@link OutputStage#putBlock} in dynamic fixed point (its comment gives the
 * rule and why double arithmetic gives the same bits); loaded only when {@link io.cnv2.Simd#enabled()}.
 *
 * <p>The kernel's sums lie [position][filter], the output [filter][position]. Finishing runs along
 * the sums as they lie (whole vectors of filters: one fused multiply-add, the saturation by
 * compares and blends, the rounding by adding 1.5 * 2^52) into a small buffer of the results'
 * bits per chunk of positions that stays in L1, and only then is the chunk transposed into the
 * output, each filter's run written sequentially, the short read off the low bits. Scattering
 * every vector's lanes straight into the output (the former way: a lane array, then one strided
 * short store per lane) cost about 4 ns an output; the Vector API's D2I convert is not compiled
 * to an instruction on JDK 17 with AVX2 (13 ns an output measured), nor are its min and max cheap.
 */
final class OutputStageSimd {
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** 1.5 * 2^52: adding and subtracting it rounds a double of magnitude below 2^51 to an integer, ties to even. */
    private static final double RINT_MAGIC = 0x1.8p52;
    /** Positions per chunk: a chunk's results (64 x 32 filters longs) take 16 KiB of L1. */
    static final int CHUNK = 64;
    private static final ThreadLocal<long[]> BUFFER = ThreadLocal.withInitial(() -> new long[CHUNK * 64]);

    private OutputStageSimd() {
    }

    /** The thread's buffer of at least {@code size} longs for {@link #finish} (kept across layers). */
    static long[] buffer(int size) {
        long[] b = BUFFER.get();
        if (b.length < size) {
            b = new long[size];
            BUFFER.set(b);
        }
        return b;
    }

    /** Lanes per vector: the filters of a block finished here are the first multiple of it. */
    static int lanes() {
        return D.length();
    }

    /**
     * Finishes filters k0 .. k0 + count - 1 ({@code count} a multiple of {@link #lanes()}) at every
     * position into {@code out} ([filter][position]); returns the number of saturations.
     *
     * @param scale      2^-s
     * @param biasHalf   per filter, aligned bias * 2^-s + 2^-(s+1), exact (see OutputStage)
     * @param buffer     at least {@code min(CHUNK, positions) * count} longs: a chunk's results before the
     *                   transposition
     */
    static long finish(double[] sums, int from, int stride, int positions, int k0, int count, double scale,
                       double[] biasHalf, short[] out, long[] buffer) {
        int v = D.length();
        DoubleVector sc = DoubleVector.broadcast(D, scale);
        DoubleVector magic = DoubleVector.broadcast(D, RINT_MAGIC);
        DoubleVector lo = DoubleVector.broadcast(D, Fixed.MIN);
        DoubleVector hi = DoubleVector.broadcast(D, Fixed.MAX);
        // z is never a tie, so rint(z) > MAX exactly when z > MAX + 1/2 (and below MIN likewise)
        DoubleVector above = DoubleVector.broadcast(D, Fixed.MAX + 0.5);
        DoubleVector below = DoubleVector.broadcast(D, Fixed.MIN - 0.5);
        long saturated = 0;
        for (int p0 = 0; p0 < positions; p0 += CHUNK) {
            int n = Math.min(CHUNK, positions - p0);
            // rules 4 and 5 along the sums' own layout: z = (2x + 1) * 2^-(s+1) exactly, x = sum + bias
            for (int p = 0; p < n; p++) {
                int row = from + (p0 + p) * stride;
                int t = p * count;
                for (int k = 0; k < count; k += v) {
                    DoubleVector z = DoubleVector.fromArray(D, sums, row + k)
                            .fma(sc, DoubleVector.fromArray(D, biasHalf, k0 + k));
                    VectorMask<Double> high = z.compare(VectorOperators.GT, above);
                    VectorMask<Double> low = z.compare(VectorOperators.LT, below);
                    // saturate (rule 5) by blends, cheaper than the Vector API's min and max, whose
                    // NaN and -0 rules cost AVX2 several instructions, and only in a vector where a
                    // lane saturates (rare: one test of each mask, then the counts and the blends;
                    // 1.7 -> 1.25 ns an output for this loop); then round: the bits of
                    // z + 1.5 * 2^52 are those of 1.5 * 2^52 plus rint(z), whose low 16 bits are the short.
                    // The masks are tested apart, not or-ed: JDK 17 runs the or of two AVX-512 masks in
                    // Java, a boolean[] per vector (issue #23)
                    if (high.anyTrue() || low.anyTrue()) {
                        saturated += high.trueCount() + low.trueCount();
                        z = z.blend(hi, high).blend(lo, low);
                    }
                    z.add(magic).reinterpretAsLongs().intoArray(buffer, t + k);
                }
            }
            // the transposition: reads stride count in L1, writes each filter's run in order
            for (int k = 0; k < count; k++) {
                int o = (k0 + k) * positions + p0;
                for (int p = 0, t = k; p < n; p++, t += count) {
                    out[o + p] = (short) buffer[t];
                }
            }
        }
        return saturated;
    }
}
