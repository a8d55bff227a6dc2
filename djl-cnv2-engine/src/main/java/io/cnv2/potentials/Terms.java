package io.cnv2.potentials;

/**
 * What a 16-bit two's complement value costs a bit-serial or term-serial engine (CNV2-MODEL.md
 * section 7): its magnitude |q|, its effectual bits popcount(|q|) (Pragmatic, Laconic), its
 * Booth terms, the non-zero digits of the canonical non-adjacent form (NAF) of |q| (radix-4
 * Booth recoding gives at most as many; the NAF is the unique minimal signed-digit form, so it
 * is well defined), and the precision a group of values needs (Stripes, ShapeShifter).
 */
public final class Terms {
    private Terms() {
    }

    /** |q| of a 16-bit value; -32768 has magnitude 32768. */
    public static int magnitude(int q) {
        return Math.abs(q);
    }

    /** popcount(|q|). */
    public static int effectualBits(int q) {
        return Integer.bitCount(magnitude(q));
    }

    /**
     * Non-zero digits of the NAF of |q|. With m = |q|: m + (m >> 1) and m >> 1 differ exactly at
     * the NAF's non-zero digits (the standard carry identity), so the count is a popcount.
     */
    public static int boothTerms(int q) {
        int m = magnitude(q);
        int half = m >>> 1;
        return Integer.bitCount((m + half) ^ half);
    }

    /**
     * Two's complement bits a value needs within a group that {@code signed} (holds a negative
     * value): bits of v for v >= 0, plus a sign bit in a signed group; for v < 0, bits of -v - 1
     * plus the sign bit. Never above 16 for a 16-bit value.
     */
    public static int precision(int v, boolean signed) {
        if (v >= 0) {
            return bits(v) + (signed ? 1 : 0);
        }
        return bits(-v - 1) + 1;
    }

    /** Bits of a non-negative number: 0 for 0. */
    static int bits(int v) {
        return 32 - Integer.numberOfLeadingZeros(v);
    }
}
