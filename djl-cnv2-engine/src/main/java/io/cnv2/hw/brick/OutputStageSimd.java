package io.cnv2.hw.brick;

import io.cnv2.fixed.Fixed;
import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector body of {@link OutputStage#putBlock} in dynamic fixed point (its comment gives the
 * rule and why double arithmetic gives the same bits); loaded only when {@link io.cnv2.Simd#enabled()}.
 *
 * <p>The kernel's sums lie [position][filter], the output [filter][position]. Finishing works on
 * blocks of 16 positions x 4 filters (sixteen vectors, one position's four filters each, one
 * fused multiply-add each for z): adding 1.5 * 2^52 + 2^15 rounds z and leaves rint(z) + 2^15 in the
 * low bits, which lies in [0, 2^16) exactly when rint(z) is a short, so one test of the block's
 * bits shows that nothing saturated and the results need no clamping (saturations are rare; a
 * block with one is finished again with the clamps and counted). Four positions' results are
 * packed into the four shorts of a long by shifts, and the block's 4 x 4 longs transposed in
 * registers, so that each filter's 16 positions leave in one store. The former way (a chunk's
 * results to a buffer, then one strided short store per output) cost 2.4 to 2.8 ns an output,
 * this 1.0 to 1.15 (24, 32 and 48 filters, 49 and 784 positions; the same 2.5 to 3 as before when
 * a third of the outputs saturate). The Vector API's D2I convert is not compiled to an
 * instruction on JDK 17 with AVX2 (13 ns an output measured), nor are its min and max cheap,
 * nor its int shuffles (3.6 ns an output), halving reinterpretations (4.6) or gathers (3.3);
 * its long shuffles and blends are.
 */
final class OutputStageSimd {
    /** Four lanes: the transposition is written for 4 x 4 longs (AVX2, and AVX-512 in its 256-bit form). */
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_256;
    private static final VectorSpecies<Long> L = LongVector.SPECIES_256;
    /** 1.5 * 2^52: adding and subtracting it rounds a double of magnitude below 2^51 to an integer, ties to even. */
    private static final double RINT_MAGIC = 0x1.8p52;
    private static final long RINT_MAGIC_BITS = Double.doubleToRawLongBits(RINT_MAGIC);
    /** Rounds as RINT_MAGIC does, its bits XOR RINT_MAGIC_BITS being rint(z) + 2^15 (see finish). */
    private static final double OFFSET_MAGIC = RINT_MAGIC + 0x1p15;
    /** The 2^15 of each short of a packed long: XOR takes rint(z) + 2^15 back to rint(z)'s 16 bits. */
    private static final long OFFSET_SIGNS = 0x8000_8000_8000_8000L;
    /** Positions per block: four longs of four shorts per filter. */
    private static final int BLOCK = 16;
    // the transposition's two steps: swapping single lanes between pairs, then pairs of lanes
    private static final VectorShuffle<Long> EVEN_LANES = VectorShuffle.fromValues(L, 0, 0, 2, 2);
    private static final VectorShuffle<Long> ODD_LANES = VectorShuffle.fromValues(L, 1, 1, 3, 3);
    private static final VectorShuffle<Long> LOW_PAIR = VectorShuffle.fromValues(L, 0, 1, 0, 1);
    private static final VectorShuffle<Long> HIGH_PAIR = VectorShuffle.fromValues(L, 2, 3, 2, 3);
    private static final VectorMask<Long> ODD = VectorMask.fromValues(L, false, true, false, true);
    private static final VectorMask<Long> EVEN = ODD.not();
    private static final VectorMask<Long> HIGH = VectorMask.fromValues(L, false, false, true, true);
    private static final VectorMask<Long> LOW = HIGH.not();
    private static final ThreadLocal<long[]> BUFFER = ThreadLocal.withInitial(() -> new long[BLOCK]);

    private OutputStageSimd() {
    }

    /**
     * Whether this kernel runs fast here: its 256-bit vectors are compiled to instructions only
     * where the machine's own are at least that wide (elsewhere the Vector API runs them as Java
     * loops over the lanes, slower than OutputStage's scalar loops).
     */
    static boolean fits() {
        return DoubleVector.SPECIES_PREFERRED.vectorBitSize() >= D.vectorBitSize();
    }

    /** Lanes per vector: the filters of a block finished here are the first multiple of it. */
    static int lanes() {
        return D.length();
    }

    /**
     * Finishes filters k0 .. k0 + count - 1 ({@code count} a multiple of {@link #lanes()}) at every
     * position into {@code out} ([filter][position]); returns the number of saturations.
     *
     * <p>Why a block's bits hold: |z| < 2^50 + 1 (|x| < 2^51, s >= 1), so z + 1.5 * 2^52 + 2^15
     * lies in [2^52, 2^53), where doubles are the integers, and is 1.5 * 2^52 + 2^15 + rint(z)
     * (z is never a tie); its bits are RINT_MAGIC_BITS + 2^15 + rint(z). RINT_MAGIC_BITS has its
     * low 48 bits clear, so XOR with it leaves exactly rint(z) + 2^15 when that is in [0, 2^16),
     * that is when MIN <= rint(z) <= MAX, and leaves some of bits 16 to 63 set otherwise. When no
     * result of a block has any of those set, none saturated and each result's 16 bits, XOR 2^15,
     * are rint(z) as a short.
     *
     * @param scale      2^-s
     * @param biasHalf   per filter, aligned bias * 2^-s + 2^-(s+1), exact (see OutputStage)
     */
    static long finish(double[] sums, int from, int stride, int positions, int k0, int count, double scale,
                       double[] biasHalf, short[] out) {
        long[] buffer = BUFFER.get();
        DoubleVector sc = DoubleVector.broadcast(D, scale);
        DoubleVector magic = DoubleVector.broadcast(D, OFFSET_MAGIC);
        long saturated = 0;
        int whole = positions - positions % BLOCK;
        for (int p0 = 0; p0 < whole; p0 += BLOCK) {
            for (int k = 0; k < count; k += 4) {
                DoubleVector bh = DoubleVector.fromArray(D, biasHalf, k0 + k);
                int i = from + p0 * stride + k;
                // written out rather than in helper methods: C2 does not inline a helper it has already
                // compiled on its own, and vectors passed to a call are boxed (6 ns an output measured)
                // positions 4q .. 4q + 3 of the block into the shorts of quad q's longs, in position order
                LongVector r0 = DoubleVector.fromArray(D, sums, i).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector r1 = DoubleVector.fromArray(D, sums, i + stride).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector r2 = DoubleVector.fromArray(D, sums, i + 2 * stride).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector r3 = DoubleVector.fromArray(D, sums, i + 3 * stride).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector r4 = DoubleVector.fromArray(D, sums, i + 4 * stride).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector r5 = DoubleVector.fromArray(D, sums, i + 5 * stride).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector r6 = DoubleVector.fromArray(D, sums, i + 6 * stride).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector r7 = DoubleVector.fromArray(D, sums, i + 7 * stride).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector r8 = DoubleVector.fromArray(D, sums, i + 8 * stride).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector r9 = DoubleVector.fromArray(D, sums, i + 9 * stride).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector r10 = DoubleVector.fromArray(D, sums, i + 10 * stride).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector r11 = DoubleVector.fromArray(D, sums, i + 11 * stride).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector r12 = DoubleVector.fromArray(D, sums, i + 12 * stride).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector r13 = DoubleVector.fromArray(D, sums, i + 13 * stride).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector r14 = DoubleVector.fromArray(D, sums, i + 14 * stride).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector r15 = DoubleVector.fromArray(D, sums, i + 15 * stride).fma(sc, bh).add(magic)
                        .reinterpretAsLongs().lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
                LongVector q0 = r0.or(r1.lanewise(VectorOperators.LSHL, 16))
                        .or(r2.lanewise(VectorOperators.LSHL, 32)).or(r3.lanewise(VectorOperators.LSHL, 48));
                LongVector q1 = r4.or(r5.lanewise(VectorOperators.LSHL, 16))
                        .or(r6.lanewise(VectorOperators.LSHL, 32)).or(r7.lanewise(VectorOperators.LSHL, 48));
                LongVector q2 = r8.or(r9.lanewise(VectorOperators.LSHL, 16))
                        .or(r10.lanewise(VectorOperators.LSHL, 32)).or(r11.lanewise(VectorOperators.LSHL, 48));
                LongVector q3 = r12.or(r13.lanewise(VectorOperators.LSHL, 16))
                        .or(r14.lanewise(VectorOperators.LSHL, 32)).or(r15.lanewise(VectorOperators.LSHL, 48));
                LongVector any = r0.or(r1).or(r2).or(r3).or(r4).or(r5).or(r6).or(r7)
                        .or(r8).or(r9).or(r10).or(r11).or(r12).or(r13).or(r14).or(r15);
                if (!any.and(-1L << 16).compare(VectorOperators.EQ, 0).allTrue()) {
                    saturated += saturatedBlock(sums, i, stride, scale, biasHalf, k0 + k, buffer);
                    q0 = LongVector.fromArray(L, buffer, 0);
                    q1 = LongVector.fromArray(L, buffer, 4);
                    q2 = LongVector.fromArray(L, buffer, 8);
                    q3 = LongVector.fromArray(L, buffer, 12);
                }
                // the transposition: lane j of quad q holds filter j's positions 4q .. 4q + 3
                LongVector s0 = q0.blend(q1.rearrange(EVEN_LANES), ODD);
                LongVector s1 = q1.blend(q0.rearrange(ODD_LANES), EVEN);
                LongVector s2 = q2.blend(q3.rearrange(EVEN_LANES), ODD);
                LongVector s3 = q3.blend(q2.rearrange(ODD_LANES), EVEN);
                int o = (k0 + k) * positions + p0;
                s0.blend(s2.rearrange(LOW_PAIR), HIGH).lanewise(VectorOperators.XOR, OFFSET_SIGNS).reinterpretAsShorts()
                        .intoArray(out, o);
                s1.blend(s3.rearrange(LOW_PAIR), HIGH).lanewise(VectorOperators.XOR, OFFSET_SIGNS).reinterpretAsShorts()
                        .intoArray(out, o + positions);
                s2.blend(s0.rearrange(HIGH_PAIR), LOW).lanewise(VectorOperators.XOR, OFFSET_SIGNS).reinterpretAsShorts()
                        .intoArray(out, o + 2 * positions);
                s3.blend(s1.rearrange(HIGH_PAIR), LOW).lanewise(VectorOperators.XOR, OFFSET_SIGNS).reinterpretAsShorts()
                        .intoArray(out, o + 3 * positions);
            }
        }
        if (whole < positions) {
            saturated += tail(sums, from, stride, positions, whole, k0, count, scale, biasHalf, out, buffer);
        }
        return saturated;
    }

    /**
     * A block in which something saturated, again one position at a time with the clamps (rule 5)
     * by compares and blends, cheaper than the Vector API's min and max, whose NaN and -0 rules
     * cost AVX2 several instructions; its four quads, packed as finish packs them, into
     * buffer[0 .. 16). Returns the block's saturations.
     */
    private static long saturatedBlock(double[] sums, int i, int stride, double scale, double[] biasHalf, int k,
                                       long[] buffer) {
        DoubleVector sc = DoubleVector.broadcast(D, scale);
        DoubleVector bh = DoubleVector.fromArray(D, biasHalf, k);
        DoubleVector magic = DoubleVector.broadcast(D, OFFSET_MAGIC);
        DoubleVector lo = DoubleVector.broadcast(D, Fixed.MIN);
        DoubleVector hi = DoubleVector.broadcast(D, Fixed.MAX);
        // z is never a tie, so rint(z) > MAX exactly when z > MAX + 1/2 (and below MIN likewise)
        DoubleVector above = DoubleVector.broadcast(D, Fixed.MAX + 0.5);
        DoubleVector below = DoubleVector.broadcast(D, Fixed.MIN - 0.5);
        long saturated = 0;
        Arrays.fill(buffer, 0, BLOCK, 0L);
        for (int p = 0; p < BLOCK; p++) {
            DoubleVector z = DoubleVector.fromArray(D, sums, i + p * stride).fma(sc, bh);
            VectorMask<Double> high = z.compare(VectorOperators.GT, above);
            VectorMask<Double> low = z.compare(VectorOperators.LT, below);
            saturated += high.or(low).trueCount();
            LongVector r = z.blend(hi, high).blend(lo, low).add(magic).reinterpretAsLongs()
                    .lanewise(VectorOperators.XOR, RINT_MAGIC_BITS);
            int q = p / 4 * 4;
            LongVector.fromArray(L, buffer, q).or(r.lanewise(VectorOperators.LSHL, 16 * (p % 4))).intoArray(buffer, q);
        }
        return saturated;
    }

    /**
     * Positions first .. positions - 1 (fewer than a block) of every filter, one position at a
     * time: the clamps as in saturatedBlock, then each vector's four shorts stored one by one
     * (through buffer, the lanes' bits, rint(z) in the low 16 bits). Returns the saturations.
     */
    private static long tail(double[] sums, int from, int stride, int positions, int first, int k0, int count,
                             double scale, double[] biasHalf, short[] out, long[] buffer) {
        DoubleVector sc = DoubleVector.broadcast(D, scale);
        DoubleVector magic = DoubleVector.broadcast(D, RINT_MAGIC);
        DoubleVector lo = DoubleVector.broadcast(D, Fixed.MIN);
        DoubleVector hi = DoubleVector.broadcast(D, Fixed.MAX);
        DoubleVector above = DoubleVector.broadcast(D, Fixed.MAX + 0.5);
        DoubleVector below = DoubleVector.broadcast(D, Fixed.MIN - 0.5);
        long saturated = 0;
        for (int p = first; p < positions; p++) {
            int row = from + p * stride;
            for (int k = 0; k < count; k += 4) {
                DoubleVector z = DoubleVector.fromArray(D, sums, row + k)
                        .fma(sc, DoubleVector.fromArray(D, biasHalf, k0 + k));
                VectorMask<Double> high = z.compare(VectorOperators.GT, above);
                VectorMask<Double> low = z.compare(VectorOperators.LT, below);
                saturated += high.or(low).trueCount();
                z.blend(hi, high).blend(lo, low).add(magic).reinterpretAsLongs().intoArray(buffer, 0);
                int o = (k0 + k) * positions + p;
                out[o] = (short) buffer[0];
                out[o + positions] = (short) buffer[1];
                out[o + 2 * positions] = (short) buffer[2];
                out[o + 3 * positions] = (short) buffer[3];
            }
        }
        return saturated;
    }
}
