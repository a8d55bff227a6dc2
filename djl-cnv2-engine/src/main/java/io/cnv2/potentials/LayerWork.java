package io.cnv2.potentials;

import io.cnv2.fixed.QTensor;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;
import io.cnv2.ir.ConvGeometry;

/**
 * Counts one layer's work for one input, metric by metric (CNV2-MODEL.md section 7, {@link Work}):
 * every (output, kernel position, input channel) MAC of every group, a position in the zero
 * padding reading activation 0. A metric that is a product f(a) x g(w) sums over filters first:
 * per (channel, ky, kx) the filters' g(w) are added once, so the cost is outputs x kernel x
 * channels, not x filters. Ap and Wp need the layer's precision over the whole run and are
 * filled in by {@link Potentials}. Booth terms and dynamic Ap follow the run's
 * {@link CountingRules} (section 7, "Where DNNsim counts differently").
 */
final class LayerWork {
    /** Per group and (channel, ky, kx): non-zero weights, their effectual bits and Booth terms over the filters. */
    private final int[][] nonZero;
    private final long[][] bits;
    private final long[][] booth;
    private final QLayer layer;
    private final CountingRules rules;

    /** cnv2's own counting rules. */
    LayerWork(QLayer layer) {
        this(layer, CountingRules.CNV2);
    }

    LayerWork(QLayer layer, CountingRules rules) {
        this.layer = layer;
        this.rules = rules;
        ConvGeometry g = layer.geometry();
        int per = g.channelsPerGroup() * g.kernelY() * g.kernelX();
        nonZero = new int[g.groups()][per];
        bits = new long[g.groups()][per];
        booth = new long[g.groups()][per];
        short[] w = layer.weights();
        for (int k = 0; k < g.filters(); k++) {
            int group = k / g.filtersPerGroup();
            for (int i = 0; i < per; i++) { // weights [K][Cg][Ky][Kx]: i = (c, ky, kx)
                short v = w[k * per + i];
                nonZero[group][i] += v != 0 ? 1 : 0;
                bits[group][i] += Terms.effectualBits(v);
                booth[group][i] += rules.booth().terms(v);
            }
        }
    }

    /**
     * The width of an activation in a dense MAC: 16 bits in cnv2's fixed point, the model's type
     * (8 bits, 4 for int4) in a quantised model's integer layer, whose potentials count on the bits
     * the model really computes with (docs/CHARACTERISATION.md).
     */
    int activationBits() {
        return layer.integer() == null ? 16 : layer.integer().input().type().bits();
    }

    /** The width of a weight in a dense MAC: 16 bits, or 8 in an integer layer (ONNX's integer ops take 8-bit weights). */
    int weightBits() {
        return layer.integer() == null ? 16 : 8;
    }

    /** The layer's weight precision (two's complement bits of its widest weight). */
    int weightPrecision() {
        return Terms.precision(layer.weights());
    }

    /** Each input element's brick precision: the 16 channels at one (y, x) share their widest. */
    private static void brickPrecisions(short[] in, int channels, int plane, int brick, byte[] out) {
        for (int c0 = 0; c0 < channels; c0 += brick) {
            int cEnd = Math.min(channels, c0 + brick);
            for (int p = 0; p < plane; p++) {
                boolean signed = false;
                for (int c = c0; c < cEnd; c++) {
                    signed |= in[c * plane + p] < 0;
                }
                int prec = 0;
                for (int c = c0; c < cEnd; c++) {
                    prec = Math.max(prec, Terms.precision(in[c * plane + p], signed));
                }
                for (int c = c0; c < cEnd; c++) {
                    out[c * plane + p] = (byte) prec;
                }
            }
        }
    }

    /** The work of {@code input} through this layer; ap and wp are left 0. */
    Work count(QTensor input, Threshold t, int brick) {
        ConvGeometry g = layer.geometry();
        short[] in = input.data();
        int plane = g.height() * g.width();
        int cg = g.channelsPerGroup();
        long fg = g.filtersPerGroup();
        int kk = g.kernelY() * g.kernelX();
        // per input element: effectual, effectual bits, Booth terms, its dynamic precision
        int n = in.length;
        byte[] pop = new byte[n];
        byte[] terms = new byte[n];
        byte[] groupBits = new byte[n];
        for (int i = 0; i < n; i++) {
            pop[i] = (byte) Terms.effectualBits(in[i]);
            terms[i] = (byte) rules.booth().terms(in[i]);
        }
        // dynamic Ap, section 7: "value" (DNNsim) sizes each activation alone and a padding position
        // costs a zero's width; "brick" lets a brick share its widest and padding cost nothing
        int paddingBits = 0;
        if (rules.perValue()) {
            boolean signedLayer = false;
            for (short x : in) {
                signedLayer |= x < 0;
            }
            paddingBits = Terms.valueWidth(0, signedLayer);
            for (int i = 0; i < n; i++) {
                groupBits[i] = (byte) Terms.valueWidth(in[i], signedLayer);
            }
        } else {
            brickPrecisions(in, g.channels(), plane, brick, groupBits);
        }
        long dense = 0;
        long a = 0;
        long w = 0;
        long aw = 0;
        long dyn = 0;
        long ae = 0;
        long aeBooth = 0;
        long weAe = 0;
        long weAeBooth = 0;
        // Work's units: a dense MAC is aBits x wBits bit products; activation-serial metrics count
        // wBits per activation bit (16 and 16 in cnv2's fixed point)
        long dense1 = (long) activationBits() * weightBits();
        long wBits = weightBits();
        for (int group = 0; group < g.groups(); group++) {
            int[] nz = nonZero[group];
            long[] wb = bits[group];
            long[] wt = booth[group];
            long nzAll = 0;
            for (int v : nz) {
                nzAll += v;
            }
            for (int oy = 0; oy < g.outY(); oy++) {
                for (int ox = 0; ox < g.outX(); ox++) {
                    dense += dense1 * fg * cg * kk;
                    for (int ky = 0; ky < g.kernelY(); ky++) {
                        int iy = oy * g.strideY() - g.padTop() + ky * g.dilationY();
                        for (int kx = 0; kx < g.kernelX(); kx++) {
                            int ix = ox * g.strideX() - g.padLeft() + kx * g.dilationX();
                            if (iy < 0 || iy >= g.height() || ix < 0 || ix >= g.width()) {
                                dyn += wBits * fg * cg * paddingBits;
                                continue; // padding: activation 0, only W and dynamic Ap count
                            }
                            int base = (group * cg) * plane + iy * g.width() + ix;
                            for (int c = 0; c < cg; c++) {
                                int e = base + c * plane;
                                int q = in[e];
                                // a zero still costs its brick's precision (processed together) or, per value, 1 bit
                                dyn += wBits * fg * groupBits[e];
                                if (q == 0) {
                                    continue; // every other activation-side metric is 0 for a zero
                                }
                                int wi = (c * g.kernelY() + ky) * g.kernelX() + kx;
                                if (!t.ineffectual(q)) {
                                    a += dense1 * fg;
                                }
                                aw += dense1 * nz[wi];
                                ae += wBits * fg * pop[e];
                                aeBooth += wBits * fg * terms[e];
                                weAe += pop[e] * wb[wi];
                                weAeBooth += terms[e] * wt[wi];
                            }
                        }
                    }
                    w += dense1 * nzAll; // W counts every MAC position, padding included
                }
            }
        }
        return new Work(dense, a, w, aw, 0, dyn, ae, aeBooth, weAe, weAeBooth, 0);
    }
}
