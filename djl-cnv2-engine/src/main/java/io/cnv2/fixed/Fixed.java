package io.cnv2.fixed;

/**
 * The accelerator's fixed-point rules (CNV2-MODEL.md section 2). A value is a 16-bit two's
 * complement integer q with a fraction length f: value = q / 2^f.
 */
public final class Fixed {
    public static final int MIN = Short.MIN_VALUE;
    public static final int MAX = Short.MAX_VALUE;
    /** Fraction length given to an all-zero tensor (rule 1). */
    public static final int ZERO_TENSOR_FRAC = 15;
    /** Bounds on fraction lengths, so shifts stay inside a long. */
    public static final int MIN_FRAC = -32;
    public static final int MAX_FRAC = 40;

    private Fixed() {
    }

    /** Float to fixed, rule 1: round half away from zero of x * 2^f, then saturate. */
    public static int quantize(double x, int frac) {
        double scaled = Math.scalb(x, frac);
        if (Double.isNaN(scaled)) {
            return 0;
        }
        double r = Math.signum(scaled) * Math.floor(Math.abs(scaled) + 0.5);
        if (r > MAX) {
            return MAX;
        }
        if (r < MIN) {
            return MIN;
        }
        return (int) r;
    }

    /** True if {@link #quantize} would saturate x. */
    public static boolean saturates(double x, int frac) {
        double scaled = Math.scalb(x, frac);
        double r = Math.signum(scaled) * Math.floor(Math.abs(scaled) + 0.5);
        return r > MAX || r < MIN;
    }

    public static double toDouble(int q, int frac) {
        return Math.scalb((double) q, -frac);
    }

    /**
     * The largest f such that every value in [min, max] quantises without saturation
     * (rule 1, dynamic fixed point); 15 for an all-zero range.
     */
    public static int fracFor(double min, double max) {
        double m = Math.max(Math.abs(min), Math.abs(max));
        if (m == 0 || Double.isNaN(m)) {
            return ZERO_TENSOR_FRAC;
        }
        if (Double.isInfinite(m)) {
            return MIN_FRAC;
        }
        // start from the exponent estimate, then step to the exact boundary
        int f = 14 - Math.getExponent(m);
        f = Math.max(MIN_FRAC, Math.min(MAX_FRAC, f));
        while (f < MAX_FRAC && !saturates(min, f + 1) && !saturates(max, f + 1)) {
            f++;
        }
        while (f > MIN_FRAC && (saturates(min, f) || saturates(max, f))) {
            f--;
        }
        return f;
    }

    /** Saturates to 16 bits. */
    public static int saturate(long v) {
        return v > MAX ? MAX : v < MIN ? MIN : (int) v;
    }

    /**
     * Shift right by s with round half up (rule 5: add 2^(s-1), arithmetic shift); a negative s
     * shifts left (exact).
     */
    public static long shiftRound(long v, int s) {
        if (s <= 0) {
            return v << -s;
        }
        if (s >= 63) {
            return v < 0 ? -1 : 0; // (v + 2^(s-1)) >> s for |v| < 2^62
        }
        return (v + (1L << (s - 1))) >> s;
    }

    /**
     * Wraps an exact sum to an accumulator of {@code bits} bits (two's complement). Wrapping
     * once at the end equals wrapping after every addition (arithmetic mod 2^bits), so the
     * reference and fast paths may sum in any order (rule 3).
     */
    public static long wrap(long acc, int bits) {
        if (bits >= 64) {
            return acc;
        }
        int sh = 64 - bits;
        return (acc << sh) >> sh;
    }

    /** Bias aligned to the accumulator's fraction length (rule 4). */
    public static long alignBias(int qb, int fb, int faw) {
        return shiftRound(qb, fb - faw);
    }

    /**
     * Rules 3 to 5 for one output: wrap the accumulator, add the aligned bias, requantise to fo
     * with round half up and saturate. Returns the unsaturated value in the upper bits of the
     * answer's meaning via {@link #saturate}; callers count saturations by comparing.
     */
    public static long requantize(long acc, int accBits, long alignedBias, int faw, int fo) {
        long a = wrap(wrap(acc, accBits) + alignedBias, accBits);
        return shiftRound(a, faw - fo);
    }
}
