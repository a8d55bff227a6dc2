package io.cnv2.encoding;

import io.cnv2.hw.Threshold;

/**
 * Encodes one brick into bits and decodes it back, for each {@link Encoding}; the layouts are
 * the [chosen] reconstructions of CNV2-MODEL.md section 5. Ineffectual activations (rule 7)
 * are not stored and decode as 0, so at threshold 0 a round trip is exact.
 */
public final class BrickCodec {
    private final int brick;
    private final int dataBits;
    private final int offsetBits;

    public BrickCodec(int brick, int dataBits, int offsetBits) {
        this.brick = brick;
        this.dataBits = dataBits;
        this.offsetBits = offsetBits;
    }

    /** Appends {@code values} (one brick, {@code brick} activations) to {@code out}; returns the bits written. */
    public long encode(Encoding e, short[] values, Threshold t, Bits out) {
        long start = out.length();
        int n = 0;
        long mask = 0;
        for (int i = 0; i < brick; i++) {
            if (!t.ineffectual(values[i])) {
                n++;
                mask |= 1L << (brick - 1 - i);
            }
        }
        switch (e) {
            case RAW -> rawValues(values, t, out);
            case ZFNAF -> {
                pairs(values, t, out);
                out.append(0, (brick - n) * (dataBits + offsetBits)); // unused pairs: value 0 marks them
            }
            case ROE -> {
                boolean encoded = n <= Encoding.roeLimit(brick, dataBits, offsetBits);
                out.append(encoded ? 1 : 0, 1);
                if (encoded) {
                    pairs(values, t, out);
                    out.append(0, brick * dataBits - n * (dataBits + offsetBits)); // rest of the slot
                } else {
                    rawValues(values, t, out);
                }
            }
            case VIAI -> {
                out.append(mask, brick);
                rawValues(values, t, out);
            }
            case COMPRESSED_VIAI -> {
                out.append(mask, brick);
                for (int i = 0; i < brick; i++) {
                    if (!t.ineffectual(values[i])) {
                        out.append(values[i] & 0xFFFF, dataBits);
                    }
                }
            }
            case COMPRESSED_ZFNAF -> pairs(values, t, out);
        }
        return out.length() - start;
    }

    /**
     * Decodes the brick at {@code pos}. {@code length} is the brick's extent in bits, which only
     * compressed ZFNAf needs (it is not self-delimiting: its length comes from the pointer table).
     */
    public short[] decode(Encoding e, Bits in, long pos, long length) {
        short[] v = new short[brick];
        int pair = dataBits + offsetBits;
        switch (e) {
            case RAW -> readRaw(in, pos, v);
            case ZFNAF -> readPairs(in, pos, brick, v);
            case ROE -> {
                if (in.read(pos, 1) == 1) {
                    readPairs(in, pos + 1, Encoding.roeLimit(brick, dataBits, offsetBits), v);
                } else {
                    readRaw(in, pos + 1, v);
                }
            }
            case VIAI -> readRaw(in, pos + brick, v);
            case COMPRESSED_VIAI -> {
                long mask = in.read(pos, brick);
                long p = pos + brick;
                for (int i = 0; i < brick; i++) {
                    if (((mask >>> (brick - 1 - i)) & 1) != 0) {
                        v[i] = (short) in.read(p, dataBits);
                        p += dataBits;
                    }
                }
            }
            case COMPRESSED_ZFNAF -> readPairs(in, pos, (int) (length / pair), v);
        }
        return v;
    }

    private void rawValues(short[] values, Threshold t, Bits out) {
        for (int i = 0; i < brick; i++) {
            out.append(t.ineffectual(values[i]) ? 0 : values[i] & 0xFFFF, dataBits);
        }
    }

    private void pairs(short[] values, Threshold t, Bits out) {
        for (int i = 0; i < brick; i++) {
            if (!t.ineffectual(values[i])) {
                out.append(values[i] & 0xFFFF, dataBits);
                out.append(i, offsetBits);
            }
        }
    }

    private void readRaw(Bits in, long pos, short[] v) {
        for (int i = 0; i < brick; i++) {
            v[i] = (short) in.read(pos + (long) i * dataBits, dataBits);
        }
    }

    /** Up to {@code max} pairs; a pair whose value is 0 is an unused slot (effectual values are never 0). */
    private void readPairs(Bits in, long pos, int max, short[] v) {
        int pair = dataBits + offsetBits;
        for (int k = 0; k < max; k++) {
            short value = (short) in.read(pos + (long) k * pair, dataBits);
            if (value == 0) {
                break;
            }
            v[(int) in.read(pos + (long) k * pair + dataBits, offsetBits)] = value;
        }
    }
}
