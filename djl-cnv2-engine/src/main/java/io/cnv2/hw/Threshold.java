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

    public Threshold(double real, int inputFrac) {
        this.real = real;
        this.inputFrac = inputFrac;
        this.limit = Math.scalb(real, inputFrac);
    }

    private Threshold(double real, double unit) {
        this.real = real;
        this.inputFrac = 0;
        this.limit = real / unit;
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

    /**
     * {@code in} with every ineffectual activation set to 0 (skipping = using 0, rule 7). When
     * only zeros are ineffectual nothing changes and {@code in} itself is returned: callers read
     * the result, never write it.
     */
    public short[] apply(short[] in) {
        if (limit <= 1) {
            return in;
        }
        short[] out = in.clone();
        for (int i = 0; i < out.length; i++) {
            if (ineffectual(out[i])) {
                out[i] = 0;
            }
        }
        return out;
    }

    /** {total, effectual, non-zero made ineffectual} over a tensor. */
    public long[] count(short[] in) {
        long eff = 0;
        long cut = 0;
        for (short q : in) {
            if (!ineffectual(q)) {
                eff++;
            } else if (q != 0) {
                cut++;
            }
        }
        return new long[] {in.length, eff, cut};
    }

    @Override
    public String toString() {
        return "Threshold[" + real + " at fa=" + inputFrac + "]";
    }
}
