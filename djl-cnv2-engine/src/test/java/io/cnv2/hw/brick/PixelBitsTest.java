package io.cnv2.hw.brick;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link PixelBits}: the 64 x 64 transpose against its definition, and each pixel's channel words
 * against the literal |q| >= bound of every value, vector and scalar, on random CHW tensors with
 * channel counts across word boundaries, planes across 64-pixel blocks, the extremes of a short
 * and bounds above 32767.
 */
class PixelBitsTest {
    @Test
    void transposeMovesBitCOfRowRToBitROfRowC() {
        Random r = new Random(64);
        for (int i = 0; i < 200; i++) {
            long[] a = new long[64];
            for (int k = 0; k < 64; k++) {
                a[k] = r.nextLong() & (i % 2 == 0 ? -1L : r.nextLong());
            }
            long[] t = a.clone();
            PixelBits.transpose(t);
            for (int row = 0; row < 64; row++) {
                for (int col = 0; col < 64; col++) {
                    assertEquals(a[row] >>> col & 1, t[col] >>> row & 1, "case " + i + " bit " + row + "," + col);
                }
            }
        }
    }

    @Test
    void perPixelWordsHoldEachPixelsEffectualChannels() {
        check();
    }

    @Test
    void perPixelWordsTheSameWithTheScalarPass() {
        io.cnv2.Simd.forceScalar(true);
        try {
            check();
        } finally {
            io.cnv2.Simd.forceScalar(false);
        }
    }

    private static void check() {
        Random r = new Random(65);
        for (int i = 0; i < 120; i++) {
            int channels = 1 + r.nextInt(i % 3 == 0 ? 300 : 70);
            int c0 = r.nextInt(3);
            int plane = 1 + r.nextInt(i % 4 == 0 ? 300 : 80);
            short[] in = new short[(c0 + channels + r.nextInt(2)) * plane];
            double zeros = r.nextDouble();
            for (int j = 0; j < in.length; j++) {
                in[j] = r.nextDouble() < zeros ? 0 : r.nextInt(8) == 0 ? (short) (r.nextBoolean() ? -32768 : 32767)
                        : (short) (r.nextInt(65536) - 32768);
            }
            int bound = r.nextInt(4) == 0 ? 1 : 1 + r.nextInt(r.nextBoolean() ? 40000 : 3000);
            long[] bits = PixelBits.perPixel(in, c0, channels, plane, bound);
            int words = PixelBits.words(channels);
            for (int p = 0; p < plane; p++) {
                for (int c = 0; c < channels; c++) {
                    long want = Math.abs((int) in[(c0 + c) * plane + p]) >= bound ? 1 : 0;
                    assertEquals(want, bits[p * words + c / 64] >>> (c % 64) & 1,
                            "case " + i + " channels " + channels + " plane " + plane + " pixel " + p + " channel " + c);
                }
            }
        }
    }
}
