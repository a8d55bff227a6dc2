package io.cnv2.hw.brick;

/** Bit fields of up to 64 bits at any bit offset of a {@code long[]} bit string (bit i = word i / 64, bit i % 64). */
public final class Bits {
    private Bits() {
    }

    /** The {@code n} bits (1..64) starting at bit {@code at} of {@code a}, beginning at word {@code base}. */
    public static long get(long[] a, int base, int at, int n) {
        int w = base + (at >>> 6);
        int s = at & 63;
        long v = a[w] >>> s;
        if (s != 0 && s + n > 64) {
            v |= a[w + 1] << (64 - s);
        }
        return n == 64 ? v : v & ((1L << n) - 1);
    }
}
