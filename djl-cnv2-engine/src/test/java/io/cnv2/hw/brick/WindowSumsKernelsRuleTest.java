package io.cnv2.hw.brick;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cnv2.hw.QLayer;
import io.cnv2.hw.RandomLayers;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * CNV2-MODEL.md section 2, rule 3 (integer sums in any order) and section 4, rule 7 (a skipped
 * activation is a zero): the sparse kernel (effectual activations only) and the dense kernel
 * (every activation, zeros multiplied) of {@link WindowSums} give the literal window sums, a
 * plain long loop over every tap, bit for bit, on random layers with strides, padding, dilation,
 * groups, depthwise layers, rows narrower and wider than a tile, full-range 16-bit weights and
 * activations (-32768 included) and every density from all zeros to none.
 */
class WindowSumsKernelsRuleTest {
    @AfterEach
    void auto() {
        WindowSums.force(WindowSums.Kernel.AUTO);
    }

    @Test
    void bothKernelsGiveTheLiteralWindowSums() {
        assumeTrue(io.cnv2.Simd.enabled(), "the dense kernel needs the Vector API");
        Random r = new Random(23);
        int extremes = 0;
        for (int i = 0; i < 300; i++) {
            RandomLayers.Case c = RandomLayers.next(r, i, i % 3 == 0 ? -1 : r.nextDouble());
            QLayer layer = c.layer();
            short[] in = c.input().data().clone();
            if (i % 5 == 0) {
                // the extremes of 16 bits, whose products are 2^30
                for (int j = 0; j < in.length; j += 1 + r.nextInt(3)) {
                    in[j] = r.nextBoolean() ? Short.MIN_VALUE : Short.MAX_VALUE;
                }
                short[] w = layer.weights();
                for (int j = 0; j < w.length; j += 1 + r.nextInt(3)) {
                    w[j] = Short.MIN_VALUE;
                }
                extremes++;
            }
            long[] literal = WindowSums.literalSums(layer, in);
            WindowSums.force(WindowSums.Kernel.SPARSE);
            assertArrayEquals(literal, WindowSums.sums(layer, in), "sparse kernel, layer " + i + " " + layer.geometry());
            WindowSums.force(WindowSums.Kernel.DENSE);
            assertArrayEquals(literal, WindowSums.sums(layer, in), "dense kernel, layer " + i + " " + layer.geometry());
        }
        assertTrue(extremes > 50);
    }
}
