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
 * filled in by {@link Potentials}.
 */
final class LayerWork {
    /** Per group and (channel, ky, kx): non-zero weights, their effectual bits and Booth terms over the filters. */
    private final int[][] nonZero;
    private final long[][] bits;
    private final long[][] booth;
    private final QLayer layer;

    LayerWork(QLayer layer) {
        this.layer = layer;
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
                booth[group][i] += Terms.boothTerms(v);
            }
        }
    }

    /** The layer's weight precision (two's complement bits of its widest weight). */
    int weightPrecision() {
        return precision(layer.weights());
    }

    static int precision(short[] v) {
        boolean signed = false;
        for (short x : v) {
            signed |= x < 0;
        }
        int p = 0;
        for (short x : v) {
            p = Math.max(p, Terms.precision(x, signed));
        }
        return p;
    }

    /** The work of {@code input} through this layer; ap and wp are left 0. */
    Work count(QTensor input, Threshold t, int brick) {
        ConvGeometry g = layer.geometry();
        short[] in = input.data();
        int plane = g.height() * g.width();
        int cg = g.channelsPerGroup();
        long fg = g.filtersPerGroup();
        int kk = g.kernelY() * g.kernelX();
        // per input element: effectual, effectual bits, Booth terms, its brick's precision
        int n = in.length;
        byte[] pop = new byte[n];
        byte[] terms = new byte[n];
        byte[] groupBits = new byte[n];
        for (int i = 0; i < n; i++) {
            pop[i] = (byte) Terms.effectualBits(in[i]);
            terms[i] = (byte) Terms.boothTerms(in[i]);
        }
        for (int c0 = 0; c0 < g.channels(); c0 += brick) {
            int cEnd = Math.min(g.channels(), c0 + brick);
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
                    groupBits[c * plane + p] = (byte) prec;
                }
            }
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
                    dense += 256L * fg * cg * kk;
                    for (int ky = 0; ky < g.kernelY(); ky++) {
                        int iy = oy * g.strideY() - g.padTop() + ky * g.dilationY();
                        for (int kx = 0; kx < g.kernelX(); kx++) {
                            int ix = ox * g.strideX() - g.padLeft() + kx * g.dilationX();
                            if (iy < 0 || iy >= g.height() || ix < 0 || ix >= g.width()) {
                                continue; // padding: activation 0, only W counts (below)
                            }
                            int base = (group * cg) * plane + iy * g.width() + ix;
                            for (int c = 0; c < cg; c++) {
                                int e = base + c * plane;
                                int q = in[e];
                                // a zero still costs its group's precision: the group is processed together
                                dyn += 16 * fg * groupBits[e];
                                if (q == 0) {
                                    continue; // every other activation-side metric is 0 for a zero
                                }
                                int wi = (c * g.kernelY() + ky) * g.kernelX() + kx;
                                if (!t.ineffectual(q)) {
                                    a += 256 * fg;
                                }
                                aw += 256L * nz[wi];
                                ae += 16 * fg * pop[e];
                                aeBooth += 16 * fg * terms[e];
                                weAe += pop[e] * wb[wi];
                                weAeBooth += terms[e] * wt[wi];
                            }
                        }
                    }
                    w += 256 * nzAll; // W counts every MAC position, padding included
                }
            }
        }
        return new Work(dense, a, w, aw, 0, dyn, ae, aeBooth, weAe, weAeBooth, 0);
    }
}
