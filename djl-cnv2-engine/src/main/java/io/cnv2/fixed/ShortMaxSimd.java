package io.cnv2.fixed;

import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link HostOps}' element-wise maxima of 16-bit values with the Vector API: JDK 17's
 * auto-vectoriser leaves {@code Math.max} on shorts scalar, which made ResNet-18's 3x3 max pool
 * take 1.5 ms an image (issue #23). Exact like any maximum; loaded only when
 * {@link io.cnv2.Simd#enabled()}.
 */
final class ShortMaxSimd {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;

    private ShortMaxSimd() {
    }

    /**
     * a[ao + i] = max(a[ao + i], b[bo + i]) for i in 0 .. n - 1, a and b distinct arrays. A row
     * that is not a whole number of vectors ends with one more vector over its last lanes: taking
     * the maximum again of lanes already done changes nothing (max(max(x, y), y) = max(x, y)), and it
     * spares a scalar tail (112 values: 16 of them, a third of the row's time).
     */
    static void maxInto(short[] a, int ao, short[] b, int bo, int n) {
        int v = S.length();
        if (n >= v) {
            for (int i = 0; i < n; i += v) {
                int at = Math.min(i, n - v);
                ShortVector.fromArray(S, a, ao + at).max(ShortVector.fromArray(S, b, bo + at)).intoArray(a, ao + at);
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            a[ao + i] = (short) Math.max(a[ao + i], b[bo + i]);
        }
    }
}
