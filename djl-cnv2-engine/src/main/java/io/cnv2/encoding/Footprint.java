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
}
