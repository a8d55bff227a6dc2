package io.cnv2.hw.brick;

import io.cnv2.hw.RandomLayers;
import io.cnv2.hw.Threshold;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cnv2.fixed.QTensor;
import io.cnv2.ir.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** ZFNAf (CNV2-MODEL.md section 4): bricks of (value, offset) pairs in storage order. */
class ZfnafRulesTest {

    @Test
    void bricksHoldTheEffectualValuesWithTheirOffsetsInChannelOrder() {
        // C = 20: two bricks per position, the second zero-padded (channels 16..19 only)
        short[] q = new short[20 * 2];
        q[5 * 2 + 1] = 7; // channel 5 at (y, x) = (0, 1); index (c * H + y) * W + x
        q[2 * 2 + 1] = -4; // channel 2 at (0, 1)
        q[17 * 2 + 1] = 9; // channel 17 at (0, 1): brick 1, offset 1
        Zfnaf z = Zfnaf.encode(new QTensor(new Shape(1, 20, 1, 2), q, 5), 16, Threshold.zero(5));
        assertEquals(2, z.bricksPerPosition());
        assertEquals(0, z.brick(0, 0, 0).size());
        Brick b = z.brick(0, 1, 0);
        assertArrayEquals(new short[] {-4, 7}, b.values());
        assertArrayEquals(new byte[] {2, 5}, b.offsets());
        assertArrayEquals(new short[] {9}, z.brick(0, 1, 1).values());
        assertArrayEquals(new byte[] {1}, z.brick(0, 1, 1).offsets());
        // storage order (y, x, channel-brick)
        assertEquals(z.bricks()[(0 * 2 + 1) * 2 + 1], z.brick(0, 1, 1));
    }

    @Test
    void decodeRestoresTheTensorWithIneffectualValuesAsZero() {
        Random r = new Random(3);
        for (int c : new int[] {1, 3, 16, 17, 40}) {
            short[] q = new short[c * 5 * 4];
            RandomLayers.fill(r, q, 0.5);
            QTensor t = new QTensor(new Shape(1, c, 5, 4), q, 6);
            assertEquals(t, Zfnaf.encode(t, 16, Threshold.zero(6)).decode(6), "lossless at threshold 0, C=" + c);
            Threshold th = new Threshold(1.0, 6); // |q| < 64 is ineffectual
            assertEquals(new QTensor(t.shape(), th.apply(q), 6), Zfnaf.encode(t, 16, th).decode(6));
        }
    }
}
