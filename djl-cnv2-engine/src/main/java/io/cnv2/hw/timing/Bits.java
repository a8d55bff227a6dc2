package io.cnv2.hw.timing;

/** Bit fields of up to 64 bits at any bit offset of a {@code long[]} bit string (bit i = word i / 64, bit i % 64). */
public final class Bits {
    private Bits() {
    }

    /** The {@code n} bits (1..64) starting at bit {@code at} of {@code a}, beginning at word {@code base}. */
    static long get(long[] a, int base, int at, int n) {
        int w = base + (at >>> 6);
        int s = at & 63;
        long v = a[w] >>> s;
        if (s != 0 && s + n > 64) {
            v |= a[w + 1] << (64 - s);
        }
        return n == 64 ? v : v & ((1L << n) - 1);
    }

    /** ORs the low {@code n} bits (1..64) of {@code v} into {@code a} at bit {@code at}. */
    static void or(long[] a, int at, long v, int n) {
        long field = n == 64 ? v : v & ((1L << n) - 1);
        int w = at >>> 6;
        int s = at & 63;
        a[w] |= field << s;
        if (s != 0 && s + n > 64) {
            a[w + 1] |= field >>> (64 - s);
        }
    }

    /** Copies {@code n} bits from {@code src} (word {@code base}, bit {@code from}) to {@code dst} at bit {@code to}. */
    static void copy(long[] src, int base, int from, long[] dst, int to, int n) {
        for (int done = 0; done < n; done += 64) {
            int k = Math.min(64, n - done);
            or(dst, to + done, get(src, base, from + done, k), k);
        }
    }
}
