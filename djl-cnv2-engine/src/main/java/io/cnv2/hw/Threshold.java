package io.cnv2.hw;

/**
 * Which activations a layer may skip (CNV2-MODEL.md section 2, rule 7): zero, and any whose
 * magnitude is below the layer's threshold T (real units), that is |q| < T * 2^fa in the
 * input's format. T = 0 skips exact zeros only, which leaves every output unchanged.
 */
public record Threshold(double real, int inputFrac) {
    public static Threshold zero(int inputFrac) {
        return new Threshold(0, inputFrac);
    }

    /** The bound in integer units: T * 2^fa. */
    public double limit() {
        return Math.scalb(real, inputFrac);
    }

    public boolean ineffectual(int q) {
        return q == 0 || Math.abs(q) < limit();
    }

    /** A copy of {@code in} with every ineffectual activation set to 0 (skipping = using 0, rule 7). */
    public short[] apply(short[] in) {
        short[] out = in.clone();
        double lim = limit();
        if (lim <= 1) {
            return out; // only zeros are ineffectual: nothing to change
        }
        for (int i = 0; i < out.length; i++) {
            if (Math.abs(out[i]) < lim) {
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
}
