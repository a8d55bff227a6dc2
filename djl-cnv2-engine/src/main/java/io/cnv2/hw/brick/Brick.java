package io.cnv2.hw.brick;

/**
 * One ZFNAf brick (CNV2-MODEL.md section 4): the effectual activations of 16 consecutive
 * channels at one (y, x), as (value, offset) pairs in channel order; offset = channel - first
 * channel of the brick, {@code offsetBits} wide. A brick in the padding, or with no effectual
 * activation, has no pairs.
 */
public record Brick(short[] values, byte[] offsets) {
    public static final Brick EMPTY = new Brick(new short[0], new byte[0]);

    public Brick {
        if (values.length != offsets.length) {
            throw new IllegalArgumentException("a brick needs one offset per value");
        }
    }

    /** Effectual activations held. */
    public int size() {
        return values.length;
    }
}
