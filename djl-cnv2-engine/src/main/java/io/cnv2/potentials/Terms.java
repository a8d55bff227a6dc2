package io.cnv2.potentials;

import io.cnv2.BadInputException;

/**
 * What a 16-bit two's complement value costs a bit-serial or term-serial engine (CNV2-MODEL.md
 * section 7): its magnitude |q|, its effectual bits popcount(|q|) (Pragmatic, Laconic), its
 * Booth terms under the run's {@link Booth} rule, and the precision a group of values needs
 * (Stripes, ShapeShifter) or, DNNsim's way, one value alone ({@link #valueWidth}).
 */
public final class Terms {
    private Terms() {
    }

    /**
     * The signed-digit recoding whose non-zero digits are a value's Booth terms (run option
     * {@code booth}, section 7 "Where DNNsim counts differently").
     */
    public enum Booth {
        /** Canonical non-adjacent form: the unique minimal signed-digit form, so well defined. */
        NAF("naf", "non-zero digits of the canonical NAF"),
        /** DNNsim's own recoding ({@link #dnnsimBoothTerms}), so its Booth figures can be held against ours. */
        DNNSIM("dnnsim", "digits set by DNNsim's Booth recoding");

        private final String option;
        private final String description;

        Booth(String option, String description) {
            this.option = option;
            this.description = description;
        }

        /** The rule named by run option {@code booth}: "naf" or "dnnsim". */
        public static Booth of(String option) {
            for (Booth b : values()) {
                if (b.option.equals(option)) {
                    return b;
                }
            }
            throw new BadInputException("run option booth: unknown value '" + option + "' (known: dnnsim, naf)");
        }

        /** Booth terms of q's magnitude under this rule. */
        public int terms(int q) {
            return this == NAF ? boothTerms(q) : DNNSIM_TERMS[magnitude(q)];
        }

        /** The run option's value. */
        public String option() {
            return option;
        }

        /** What a term is under this rule, for reports ("Booth = ..."). */
        public String description() {
            return description;
        }
    }

    /** DNNsim's terms of every magnitude 0..32768, built once: the recoding walks 16 digits. */
    private static final byte[] DNNSIM_TERMS = new byte[32769];

    static {
        for (int m = 0; m < DNNSIM_TERMS.length; m++) {
            DNNSIM_TERMS[m] = (byte) dnnsimRecoding(m);
        }
    }

    /** |q| of a 16-bit value; -32768 has magnitude 32768. */
    public static int magnitude(int q) {
        return Math.abs(q);
    }

    /** popcount(|q|). */
    public static int effectualBits(int q) {
        return Integer.bitCount(magnitude(q));
    }

    /**
     * Non-zero digits of the NAF of |q|. With m = |q|: m + (m >> 1) and m >> 1 differ exactly at
     * the NAF's non-zero digits (the standard carry identity), so the count is a popcount.
     */
    public static int boothTerms(int q) {
        int m = magnitude(q);
        int half = m >>> 1;
        return Integer.bitCount((m + half) ^ half);
    }

    /**
     * Booth terms of |q| the way DNNsim recodes (section 7): two zero bits are appended below the
     * 16-bit magnitude and a 3-bit window slides from the top, one digit position per step, with
     * a flag {@code run}, initially off. 010 and 011 set the step's digit if {@code run}; 100 sets
     * it and turns {@code run} off; 101 and 110 set it if not {@code run}; 111, if not {@code run},
     * sets the digit one position higher and turns {@code run} on; 000 and 001 set none. Terms =
     * digits set. Unlike the NAF it is not minimal (27 = 11011b: 4 terms, NAF 3), but never above
     * popcount(|q|).
     */
    public static int dnnsimBoothTerms(int q) {
        return DNNSIM_TERMS[magnitude(q)];
    }

    private static int dnnsimRecoding(int m) {
        int stream = m << 2; // 18 bits: the magnitude, then two zeros
        int digits = 0;
        boolean run = false;
        for (int pos = 15; pos >= 0; pos--) {
            int window = stream >>> pos & 7; // stream bits pos + 2 .. pos
            switch (window) {
                case 0b010, 0b011 -> digits |= run ? 1 << pos : 0;
                case 0b100 -> {
                    digits |= 1 << pos;
                    run = false;
                }
                case 0b101, 0b110 -> digits |= run ? 0 : 1 << pos;
                case 0b111 -> {
                    if (!run) {
                        digits |= 1 << (pos + 1);
                        run = true;
                    }
                }
                default -> {
                    // 000, 001: no digit
                }
            }
        }
        return Integer.bitCount(digits);
    }

    /**
     * Two's complement bits a value needs within a group that {@code signed} (holds a negative
     * value): bits of v for v >= 0, plus a sign bit in a signed group; for v < 0, bits of -v - 1
     * plus the sign bit. Never above 16 for a 16-bit value.
     */
    public static int precision(int v, boolean signed) {
        if (v >= 0) {
            return bits(v) + (signed ? 1 : 0);
        }
        return bits(-v - 1) + 1;
    }

    /**
     * The precision of a tensor: the two's complement bits of its widest value, with a sign bit
     * when it holds a negative value. Ap's p_layer is its maximum over a run's inputs (Stripes
     * profiles once per layer); traces for DNNsim carry the same figure.
     */
    public static int precision(short[] v) {
        boolean signed = false;
        for (short x : v) {
            signed |= x < 0;
        }
        int p = 0;
        for (short x : v) {
            p = Math.max(p, precision(x, signed));
        }
        return p;
    }

    /**
     * DNNsim's dynamic precision of one activation alone (run option {@code dynamicPrecision:
     * value}, section 7): in a layer whose activations are {@code signed} a negative value is
     * first bitwise inverted; the width is the index of its highest set bit + 1, 1 for a zero
     * (and for padding: pass 0), plus 1 in a signed layer. So a zero costs 1 bit, not 0.
     */
    public static int valueWidth(int v, boolean signed) {
        int m = signed && v < 0 ? ~v : v;
        return Math.max(1, bits(m)) + (signed ? 1 : 0);
    }

    /** Bits of a non-negative number: 0 for 0. */
    static int bits(int v) {
        return 32 - Integer.numberOfLeadingZeros(v);
    }
}
