package io.cnv2.encoding;

import io.cnv2.fixed.QTensor;
import io.cnv2.hw.Threshold;
import io.cnv2.ir.Shape;

/**
 * The memory an activation tensor takes in one encoding (CNV2-MODEL.md section 5, items 1 and
 * 2): its bricks in storage order (y, x, channel-brick), plus, for the variable-length
 * encodings, the indirection table of one {@code pointerBits} pointer per {@code pointerGroup}
 * bricks.
 *
 * @param encoding     the encoding
 * @param bricks       bricks in the tensor
 * @param brickBits    bits of the bricks (slots, or packed lengths)
 * @param pointerBits  bits of the pointer table (0 for fixed-slot encodings)
 * @param rawBits      bits of the same tensor raw, for the relative figure
 */
public record Footprint(Encoding encoding, long bricks, long brickBits, long pointerBits, long rawBits) {

    public long totalBits() {
        return brickBits + pointerBits;
    }

    /** Total bits relative to raw (1.0 = as large as raw). */
    public double relativeToRaw() {
        return rawBits == 0 ? Double.NaN : (double) totalBits() / rawBits;
    }

    /** The footprint of {@code t} ([1, C, H, W] or [1, C]) in encoding {@code e}. */
    public static Footprint of(QTensor t, Threshold th, Encoding e, int brick, int dataBits, int offsetBits,
                               int pointerWidth, int pointerGroup) {
        Shape s = t.shape();
        int c = s.dim(1);
        int hw = s.rank() == 4 ? s.dim(2) * s.dim(3) : 1;
        int perPos = (c + brick - 1) / brick;
        long bricks = (long) hw * perPos;
        if (linear(e, brick, dataBits, offsetBits)) {
            // a fixed slot needs no count at all
            boolean slot = e.brickBits(1, brick, dataBits, offsetBits) == e.brickBits(0, brick, dataBits, offsetBits);
            return of(s, slot ? 0 : th.count(t.data())[1], e, brick, dataBits, offsetBits, pointerWidth, pointerGroup);
        }
        long bits = 0;
        short[] q = t.data();
        for (int p = 0; p < hw; p++) {
            for (int cb = 0; cb < perPos; cb++) {
                int n = 0;
                for (int i = cb * brick; i < Math.min(c, cb * brick + brick); i++) {
                    n += th.ineffectual(q[i * hw + p]) ? 0 : 1;
                }
                bits += e.brickBits(n, brick, dataBits, offsetBits);
            }
        }
        long pointers = e.variableLength() ? (bricks + pointerGroup - 1) / pointerGroup * pointerWidth : 0;
        return new Footprint(e, bricks, bits, pointers, bricks * brick * dataBits);
    }

    /**
     * The same footprint from the tensor's shape and its count of effectual activations, for an
     * encoding whose brick size is linear in the brick's effectual count (every encoding of
     * section 5: a slot, or a header plus a fixed size per value): the sum over bricks of
     * a + b n is then bricks a + b (effectual values), with no pass over the bricks. Callers
     * that already counted the tensor's effectual values (Threshold.count) use it directly.
     */
    public static Footprint of(Shape s, long effectual, Encoding e, int brick, int dataBits, int offsetBits,
                               int pointerWidth, int pointerGroup) {
        if (!linear(e, brick, dataBits, offsetBits)) {
            throw new IllegalArgumentException(e + " is not linear in the effectual count");
        }
        int c = s.dim(1);
        int hw = s.rank() == 4 ? s.dim(2) * s.dim(3) : 1;
        long bricks = (long) hw * ((c + brick - 1) / brick);
        long a = e.brickBits(0, brick, dataBits, offsetBits);
        long bits = bricks * a + (e.brickBits(1, brick, dataBits, offsetBits) - a) * effectual;
        long pointers = e.variableLength() ? (bricks + pointerGroup - 1) / pointerGroup * pointerWidth : 0;
        return new Footprint(e, bricks, bits, pointers, bricks * brick * dataBits);
    }

    /** True when {@code e}'s bits per brick are a + b n for n = 0 .. brick effectual values (checked, not assumed). */
    public static boolean linear(Encoding e, int brick, int dataBits, int offsetBits) {
        long a = e.brickBits(0, brick, dataBits, offsetBits);
        long b = e.brickBits(1, brick, dataBits, offsetBits) - a;
        for (int n = 2; n <= brick; n++) {
            if (e.brickBits(n, brick, dataBits, offsetBits) != a + b * n) {
                return false;
            }
        }
        return true;
    }
}
