package io.cnv2.potentials;

/**
 * Distributions a researcher plots, per layer over the run: how many of the layer's input
 * activations (each value once per image) and of its weights need p bits (index p, 0..16), hold
 * b effectual bits (0..16), or n Booth terms (0..16) under the run's Booth rule (CNV2-MODEL.md
 * section 7, run option {@code booth}).
 */
public record Histograms(long[] activationPrecision, long[] activationEffectualBits, long[] activationBoothTerms,
                         long[] weightPrecision, long[] weightEffectualBits, long[] weightBoothTerms) {
    static final int BINS = 17;

    static Histograms empty() {
        return new Histograms(new long[BINS], new long[BINS], new long[BINS], new long[BINS], new long[BINS],
                new long[BINS]);
    }

    /** Counts the values of {@code v} into the activation (or weight) histograms, terms under {@code booth}. */
    void add(short[] v, boolean weights, Terms.Booth booth) {
        boolean signed = false;
        for (short x : v) {
            signed |= x < 0;
        }
        long[] p = weights ? weightPrecision : activationPrecision;
        long[] e = weights ? weightEffectualBits : activationEffectualBits;
        long[] b = weights ? weightBoothTerms : activationBoothTerms;
        for (short x : v) {
            p[Terms.precision(x, signed)]++;
            e[Terms.effectualBits(x)]++;
            b[booth.terms(x)]++;
        }
    }

    void addAll(Histograms o) {
        long[][] mine = arrays();
        long[][] theirs = o.arrays();
        for (int i = 0; i < mine.length; i++) {
            for (int j = 0; j < BINS; j++) {
                mine[i][j] += theirs[i][j];
            }
        }
    }

    private long[][] arrays() {
        return new long[][] {activationPrecision, activationEffectualBits, activationBoothTerms, weightPrecision,
            weightEffectualBits, weightBoothTerms};
    }
}
