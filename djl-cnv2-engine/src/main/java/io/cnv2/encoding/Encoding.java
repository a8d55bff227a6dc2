package io.cnv2.encoding;

/**
 * The activation encodings of CNV2 (CNV2-MODEL.md section 5, item 1), per brick of B
 * activations of d bits with o-bit offsets (16, 16 and 4 by default) holding n effectual ones.
 * Fixed-slot encodings keep random access; variable-length ones are packed and need the
 * indirection pointer table ({@link Footprint}).
 */
public enum Encoding {
    /** B x d: the dense brick, no metadata. */
    RAW("raw", false),
    /** A slot of B (value, offset) pairs, B x (d + o); unused pairs hold value 0. */
    ZFNAF("zfnaf", false),
    /**
     * Raw or encoded: a flag bit, then n pairs when n <= floor(B d / (d + o)) (12 by default),
     * otherwise the raw brick; the slot is 1 + B x d.
     */
    ROE("roe", false),
    /** Value-independent activation indicators: a B-bit effectual vector, then the raw brick. */
    VIAI("viai", false),
    /** The B-bit vector, then the n effectual values only: B + d x n, variable. */
    COMPRESSED_VIAI("compressed-viai", true),
    /** The n (value, offset) pairs only: (d + o) x n, variable. */
    COMPRESSED_ZFNAF("compressed-zfnaf", true);

    private final String label;
    private final boolean variable;

    Encoding(String label, boolean variable) {
        this.label = label;
        this.variable = variable;
    }

    public String label() {
        return label;
    }

    /** True if bricks are packed back to back and found through the pointer table. */
    public boolean variableLength() {
        return variable;
    }

    /** Most pairs RoE encodes before it falls back to the raw brick. */
    public static int roeLimit(int brick, int dataBits, int offsetBits) {
        return brick * dataBits / (dataBits + offsetBits);
    }

    /** Bits one brick occupies: its slot (fixed encodings) or its packed length (variable ones). */
    public long brickBits(int effectual, int brick, int dataBits, int offsetBits) {
        return switch (this) {
            case RAW -> (long) brick * dataBits;
            case ZFNAF -> (long) brick * (dataBits + offsetBits);
            case ROE -> 1L + (long) brick * dataBits;
            case VIAI -> (long) brick * dataBits + brick;
            case COMPRESSED_VIAI -> brick + (long) dataBits * effectual;
            case COMPRESSED_ZFNAF -> (long) (dataBits + offsetBits) * effectual;
        };
    }

    public static Encoding byLabel(String label) {
        for (Encoding e : values()) {
            if (e.label.equals(label)) {
                return e;
            }
        }
        throw new io.cnv2.BadInputException("unknown encoding '" + label + "' (known: raw, zfnaf, roe, viai, "
                + "compressed-viai, compressed-zfnaf)");
    }
}
