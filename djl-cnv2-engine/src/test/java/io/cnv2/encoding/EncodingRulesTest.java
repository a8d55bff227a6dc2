package io.cnv2.encoding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cnv2.fixed.QTensor;
import io.cnv2.hw.Threshold;
import io.cnv2.ir.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** CNV2-MODEL.md section 5 items 1 and 2: bits per brick, round trips, indirection. */
class EncodingRulesTest {
    private static final BrickCodec CODEC = new BrickCodec(16, 16, 4);
    private static final Threshold ZERO = Threshold.zero(0);

    /** A brick with three effectual activations: 5 at lane 1, -7 at lane 9, 300 at lane 15. */
    private static short[] threeOfSixteen() {
        short[] b = new short[16];
        b[1] = 5;
        b[9] = -7;
        b[15] = 300;
        return b;
    }

    @Test
    void bitsPerBrickFollowTheTableForEachEncoding() {
        // n = 3, B = 16, d = 16, o = 4
        long[] expect = {
            256, // raw: 16 x 16
            320, // ZFNAf: 16 x (16 + 4)
            257, // RoE: 1 + 256 (the slot; 1 + 3 x 20 = 61 of it used)
            272, // VIAI: 256 + 16
            16 + 16 * 3, // compressed VIAI: vector + 3 values = 64
            20 * 3, // compressed ZFNAf: 3 pairs = 60
        };
        for (Encoding e : Encoding.values()) {
            Bits out = new Bits();
            long written = CODEC.encode(e, threeOfSixteen(), ZERO, out);
            assertEquals(expect[e.ordinal()], written, e.label());
            assertEquals(expect[e.ordinal()], e.brickBits(3, 16, 16, 4), e.label());
            assertArrayEquals(threeOfSixteen(), CODEC.decode(e, out, 0, written), e.label());
        }
    }

    @Test
    void roeEncodesUpToTwelvePairsThenFallsBackToRaw() {
        assertEquals(12, Encoding.roeLimit(16, 16, 4));
        for (int n : new int[] {12, 13}) {
            short[] b = new short[16];
            for (int i = 0; i < n; i++) {
                b[i] = (short) (i + 1);
            }
            Bits out = new Bits();
            assertEquals(257, CODEC.encode(Encoding.ROE, b, ZERO, out));
            assertEquals(n <= 12 ? 1 : 0, out.read(0, 1), "flag for n = " + n);
            assertArrayEquals(b, CODEC.decode(Encoding.ROE, out, 0, 257));
        }
    }

    @Test
    void roundTripsAreExactAndThresholdedValuesDecodeAsZero() {
        Random r = new Random(4);
        for (int trial = 0; trial < 500; trial++) {
            short[] b = new short[16];
            double zeros = r.nextDouble();
            for (int i = 0; i < 16; i++) {
                b[i] = r.nextDouble() < zeros ? 0 : (short) r.nextInt(65536);
            }
            Threshold t = trial % 2 == 0 ? ZERO : new Threshold(r.nextInt(3000), 0);
            short[] kept = t.apply(b);
            for (Encoding e : Encoding.values()) {
                Bits out = new Bits();
                out.append(5, 3); // bricks need not start on a word
                long n = CODEC.encode(e, b, t, out);
                assertArrayEquals(kept, CODEC.decode(e, out, 3, n), e.label() + " trial " + trial);
            }
        }
    }

    @Test
    void variableLengthEncodingsPayOnePointerPerGroupOfBricks() {
        // C = 20 (2 bricks per position, the second padded), 2 x 2 positions: 8 bricks
        short[] q = new short[20 * 4];
        q[0] = 1; // channel 0 at position 0
        q[17 * 4 + 3] = 2; // channel 17 at position 3
        QTensor t = new QTensor(new Shape(1, 20, 2, 2), q, 0);
        Footprint raw = Footprint.of(t, ZERO, Encoding.RAW, 16, 16, 4, 32, 1);
        assertEquals(8, raw.bricks());
        assertEquals(8 * 256, raw.totalBits());
        Footprint cz = Footprint.of(t, ZERO, Encoding.COMPRESSED_ZFNAF, 16, 16, 4, 32, 1);
        assertEquals(2 * 20, cz.brickBits());
        assertEquals(8 * 32, cz.pointerBits());
        Footprint grouped = Footprint.of(t, ZERO, Encoding.COMPRESSED_VIAI, 16, 16, 4, 32, 4);
        assertEquals(8 * 16 + 2 * 16, grouped.brickBits());
        assertEquals(2 * 32, grouped.pointerBits());
        assertEquals((8 * 16 + 2 * 16 + 64) / 2048.0, grouped.relativeToRaw(), 1e-12);
        assertEquals(0, Footprint.of(t, ZERO, Encoding.VIAI, 16, 16, 4, 32, 1).pointerBits());
    }
}
