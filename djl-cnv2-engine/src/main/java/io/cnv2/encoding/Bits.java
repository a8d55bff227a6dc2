package io.cnv2.encoding;

import java.util.Arrays;

/** A growable string of bits, written and read most-significant first within each field. */
public final class Bits {
    private long[] words = new long[4];
    private long length;

    public long length() {
        return length;
    }

    /** Appends the low {@code width} bits of {@code value} (width 0 to 64). */
    public Bits append(long value, int width) {
        for (int i = width - 1; i >= 0; i--) {
            int word = (int) (length >>> 6);
            if (word >= words.length) {
                words = Arrays.copyOf(words, words.length * 2);
            }
            if (((value >>> i) & 1) != 0) {
                words[word] |= 1L << (63 - (length & 63));
            }
            length++;
        }
        return this;
    }

    /** The {@code width} bits at {@code pos} as an unsigned number. */
    public long read(long pos, int width) {
        if (pos + width > length) {
            throw new IndexOutOfBoundsException("read of " + width + " bits at " + pos + " past " + length);
        }
        long v = 0;
        for (int i = 0; i < width; i++) {
            long p = pos + i;
            v = (v << 1) | ((words[(int) (p >>> 6)] >>> (63 - (p & 63))) & 1);
        }
        return v;
    }
}
