package io.cnv2.potentials;

import io.cnv2.config.RunConfig;

/**
 * The two potentials rules where DNNsim counts differently from cnv2's defaults (CNV2-MODEL.md
 * section 7): which recoding gives the Booth terms (run option {@code booth}) and whether dynamic
 * Ap takes the precision of the activation's brick or of the activation alone (run option
 * {@code dynamicPrecision}: "brick" or "value").
 *
 * @param booth    the Booth rule of the Ae Booth and We*Ae Booth columns and the Booth histograms
 * @param perValue dynamic Ap per activation ("value", DNNsim) rather than per brick ("brick")
 */
record CountingRules(Terms.Booth booth, boolean perValue) {
    /** cnv2's own rules: NAF terms, bricks share their widest precision. */
    static final CountingRules CNV2 = new CountingRules(Terms.Booth.NAF, false);

    static CountingRules of(RunConfig run) {
        return new CountingRules(Terms.Booth.of(run.booth()), run.dynamicPrecision().equals("value"));
    }
}
