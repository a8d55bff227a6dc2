package io.cnv2.hw.brick;

/**
 * Which values of a CHW tensor are effectual (|q| >= bound), as bit strings. {@link #planar}: one
 * string in the tensor's own order, bit c plane + pixel, a vector compare per 32 values.
 * {@link #perPixel}: per pixel, its channels, 64 to a word, made from the planar string by 64 x 64
 * bit transposes (0.35 operations a value), where a pixel's channels lie a plane apart in memory
 * and reading them one by one costs a load and four operations each. The lane streams of the
 * {@code isca2016} timing ({@code Isca2016Chunks}) and the kernel's packing of effectual pairs
 * ({@link WindowSums}) read a pixel's channels together (issue #23).
 */
public final class PixelBits {
    /**
     * Channels per group from which reading a pixel's channels from {@link #perPixel} pays: fewer
     * (a first layer's 3) leave most of each 64-channel transpose empty, and reading the channels
     * one by one is cheaper. Both users switch at this count.
     */
    public static final int MIN_CHANNELS = 16;

    private PixelBits() {
    }

    /**
     * Bit i set when {@code in[from + i]} is effectual, for i in [0, n); one spare word so that
     * {@link Bits#get} may read past the last bit.
     */
    public static long[] planar(short[] in, int from, int n, int bound) {
        long[] bits = new long[(n >>> 6) + 2];
        int i = io.cnv2.Simd.enabled() && bound <= Short.MAX_VALUE
                ? EffectualCountsSimd.bits(in, from, n, bound, bits) : 0;
        // Threshold.ineffectual as one integer compare, no branch (see Isca2016Chunks.LanePlanes)
        for (; i < n; i++) {
            bits[i >>> 6] |= (long) ((bound - 1 - Math.abs(in[from + i])) >>> 31) << i;
        }
        return bits;
    }

    /** Words per pixel of {@link #perPixel} for {@code channels} channels. */
    public static int words(int channels) {
        return (channels + 63) >>> 6;
    }

    /**
     * Channels {@code c0 .. c0 + channels} of a CHW tensor with {@code plane} pixels per channel:
     * word {@code pixel * words(channels) + c / 64}, bit c % 64, set when channel c0 + c is
     * effectual at the pixel. One spare word for {@link Bits#get}.
     */
    public static long[] perPixel(short[] in, int c0, int channels, int plane, int bound) {
        long[] planar = planar(in, c0 * plane, channels * plane, bound);
        if (plane == 1) {
            // one pixel (a fully connected layer's input): the planar string is already its channels
            return planar;
        }
        int words = words(channels);
        long[] out = new long[plane * words + 1];
        long[] block = new long[64];
        for (int w = 0; w < words; w++) {
            int rows = Math.min(64, channels - 64 * w);
            for (int p0 = 0; p0 < plane; p0 += 64) {
                int n = Math.min(64, plane - p0);
                for (int k = 0; k < rows; k++) {
                    block[k] = Bits.get(planar, 0, (64 * w + k) * plane + p0, n);
                }
                java.util.Arrays.fill(block, rows, 64, 0);
                transpose(block);
                for (int p = 0; p < n; p++) {
                    out[(p0 + p) * words + w] = block[p];
                }
            }
        }
        return out;
    }

    /**
     * Transposes a 64 x 64 bit matrix in place, bit c of a[r] to bit r of a[c]: for j = 32, 16,
     * ..., 1, the j x j blocks off the diagonal of every 2j x 2j block swap (Hacker's Delight,
     * section 7-3), six rounds of 32 swaps.
     */
    static void transpose(long[] a) {
        long m = 0x00000000FFFFFFFFL;
        for (int j = 32; j != 0; j >>>= 1, m ^= m << j) {
            for (int k = 0; k < 64; k = ((k | j) + 1) & ~j) {
                long t = ((a[k] >>> j) ^ a[k | j]) & m;
                a[k] ^= t << j;
                a[k | j] ^= t;
            }
        }
    }
}
