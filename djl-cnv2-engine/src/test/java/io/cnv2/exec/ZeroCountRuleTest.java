package io.cnv2.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cnv2.fixed.QTensor;
import io.cnv2.ir.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The zeros a node's statistics report are the values equal to 0, counted without a branch per value. */
class ZeroCountRuleTest {
    @Test
    void everySixteenBitValueButZeroCountsAsNonZero() {
        short[] all = new short[1 << 16];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        assertEquals(1, FixedExecutor.zeros(new QTensor(new Shape(1, all.length), all, 8)));
    }

    @Test
    void randomTensorsGiveTheLiteralCount() {
        Random r = new Random(5);
        for (int t = 0; t < 200; t++) {
            short[] v = new short[1 + r.nextInt(3000)];
            double zeros = r.nextDouble();
            long literal = 0;
            for (int i = 0; i < v.length; i++) {
                v[i] = r.nextDouble() < zeros ? 0 : (short) (r.nextInt(65535) - 32767);
                literal += v[i] == 0 ? 1 : 0;
            }
            assertEquals(literal, FixedExecutor.zeros(new QTensor(new Shape(1, v.length), v, 8)), "tensor " + t);
        }
    }
}
