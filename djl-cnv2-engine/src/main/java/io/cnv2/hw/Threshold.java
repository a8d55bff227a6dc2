package io.cnv2.hw;

/**
 * Which activations a layer may skip (CNV2-MODEL.md section 2, rule 7): zero, and any whose
 * magnitude is below the layer's threshold T (real units), that is |q| < T * 2^fa in the
 * input's format. T = 0 skips exact zeros only, which leaves every output unchanged. The rule
 * lives only in {@link #ineffectual}; the bound is computed once.
 */
public final class Threshold {
    private final double real;
    private final int inputFrac;
    private final double limit;
    /**
     * The same rule on 16-bit integers as one integer compare: q is ineffectual exactly when
     * |q| < bound, bound = max(1, ceil(limit)) (an integer magnitude a is below limit exactly when
     * it is below ceil(limit)), clamped above 2^15 so every short is ineffectual past it. Used by
     * the bulk passes {@link #apply} and {@link #count}, which must agree with {@link #ineffectual}
     * (ThresholdRulesTest, every short against random thresholds).
     */
    private final int bound;

    public Threshold(double real, int inputFrac) {
        this(real, inputFrac, Math.scalb(real, inputFrac));
    }

    private Threshold(double real, double unit) {
        this(real, 0, real / unit);
    }

    private Threshold(double real, int inputFrac, double limit) {
        this.real = real;
        this.inputFrac = inputFrac;
        this.limit = limit;
        this.bound = !(limit > 1) ? 1 : limit > 1 << 16 ? 1 << 17 : (int) Math.ceil(limit);
    }

    public static Threshold zero(int inputFrac) {
        return new Threshold(0, inputFrac);
    }

    /**
     * T in real units over integers whose step is {@code unit} real units: 2^-fa in dynamic fixed
     * point (the same bound as {@code new Threshold(T, fa)}), a quantised model's scale otherwise, so
     * |q| < T / scale (docs/FIXED-POINT.md, "Quantised models").
     */
    public static Threshold inUnits(double real, double unit) {
        double frac = -Math.getExponent(unit);
        return unit == Math.scalb(1.0, (int) -frac) ? new Threshold(real, (int) frac) : new Threshold(real, unit);
    }

    /** Layer {@code layer}'s threshold T (real units) on its input integers. */
    public static Threshold of(double real, QLayer layer) {
        return inUnits(real, layer.inputUnit());
    }

    /** T in real units. */
    public double real() {
        return real;
    }

    public int inputFrac() {
        return inputFrac;
    }

    /** The bound in integer units: T * 2^fa. */
    public double limit() {
        return limit;
    }

    public boolean ineffectual(int q) {
        return q == 0 || Math.abs(q) < limit;
    }

    /** {@link #ineffectual} for a 16-bit activation, as one integer compare (see {@code bound}). */
    public boolean ineffectualShort(short q) {
        return Math.abs(q) < bound;
    }

    /** The integer magnitude at and above which a 16-bit activation is effectual. */
    public int bound() {
        return bound;
    }

    /**
     * {@code in} with every ineffectual activation set to 0 (skipping = using 0, rule 7). When
     * only zeros are ineffectual nothing changes and {@code in} itself is returned: callers read
     * the result, never write it.
     */
    public short[] apply(short[] in) {
        if (limit <= 1) {
            return in;
        }
        short[] out = new short[in.length];
        int b = bound;
        for (int i = 0; i < out.length; i++) {
            short q = in[i];
            out[i] = Math.abs(q) < b ? 0 : q;
        }
        return out;
    }

    /** {total, effectual, non-zero made ineffectual} over a tensor. */
    public long[] count(short[] in) {
        // branch-free: one pass, counts of effectual and of non-zero values (cut = non-zero - effectual);
        // with the Vector API a whole vector of values per compare (bounds above 32767 leave no short
        // but -32768 effectual and take the scalar loop)
        int b = bound;
        long[] vec = new long[2];
        int from = io.cnv2.Simd.enabled() && b <= Short.MAX_VALUE
                ? io.cnv2.hw.brick.EffectualCountsSimd.counts(in, b, vec) : 0;
        long eff = vec[0];
        long nonZero = vec[1];
        for (int i = from; i < in.length; i++) {
            int a = Math.abs(in[i]);
            eff += a >= b ? 1 : 0;
            nonZero += a != 0 ? 1 : 0;
        }
        return new long[] {in.length, eff, nonZero - eff};
    }

    @Override
    public String toString() {
        return "Threshold[" + real + " at fa=" + inputFrac + "]";
    }
}
