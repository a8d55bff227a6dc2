package io.cnv2.hw.timing;

import io.cnv2.config.Isca2016Profile;
import io.cnv2.ir.ConvGeometry;

/**
 * DaDianNao under the {@code isca2016} profile (CNV2-MODEL.md section 4a, rule 6,
 * {@code dadnLayout packed-N}): one lane streams the whole window, its real channels packed
 * without padding, in the order of rule 1, in chunks of N values; a chunk of {@code len} values
 * costs {@code floor(len / lanes) * G + chunkOverheadCycles} and the window adds
 * {@code pipelineLatency * G}; reads are broadcast, so nothing waits. With the filter passes
 * outer, each pass is a sweep of its own (G = 1 each). For C a multiple of 16 and N = 256 that
 * is {@code G k^2 C / 16 + 3 ceil(k^2 C / 256) + 8 G} per window.
 */
public final class Isca2016Dense {
    private Isca2016Dense() {
    }

    /** What the design does with the values of one cycle: multiply stream entries [from, to) for pass {@code pass}. */
    public interface Products {
        void multiply(int pass, int from, int to);
    }

    /** Values one lane streams per window of a group: Ky * Kx * C/groups, packed. */
    public static int windowValues(ConvGeometry g) {
        return g.kernelY() * g.kernelX() * g.channelsPerGroup();
    }

    /** Cycles of one window in closed form; {@code passes} run inner (or 1 for one outer sweep). */
    public static long window(int values, int passes, int lanes, Isca2016Profile p) {
        int n = p.dadnChunkValues();
        long full = values / n;
        int rest = values % n;
        long multiply = full * (n / lanes) + rest / lanes;
        long chunks = full + (rest > 0 ? 1 : 0);
        return multiply * passes + chunks * p.chunkOverheadCycles() + (long) p.pipelineLatency() * passes;
    }

    /** DaDN cycles of the layer: every window of every group, the passes inner or outer. */
    public static long cycles(ConvGeometry g, int lanes, int filtersPerPass, Isca2016Profile p) {
        int passes = (g.filtersPerGroup() + filtersPerPass - 1) / filtersPerPass;
        long windows = (long) g.groups() * g.outY() * g.outX();
        int values = windowValues(g);
        return p.passesInner() ? windows * window(values, passes, lanes, p)
                : windows * passes * window(values, 1, lanes, p);
    }

    /**
     * One window done literally, cycle by cycle: for each chunk, its hand-out, read and fill
     * cycles, then per pass {@code floor(len / lanes)} cycles of {@code lanes} values each (a
     * partial last group rides in the last counted cycle, or in the overhead when there is none:
     * the rule charges whole groups only), then the drain. Returns the window's cycles.
     */
    public static long windowReference(int values, int passes, int lanes, Isca2016Profile p, Products products) {
        long t = 0;
        int n = p.dadnChunkValues();
        for (int start = 0; start < values; start += n) {
            int len = Math.min(n, values - start);
            for (int c = 0; c < p.chunkOverheadCycles(); c++) {
                t++; // hand-out, read, NBin fill
            }
            for (int pass = 0; pass < passes; pass++) {
                int groups = len / lanes;
                for (int q = 0; q < groups; q++) {
                    int to = q == groups - 1 ? len : (q + 1) * lanes;
                    products.multiply(pass, start + q * lanes, start + to);
                    t++;
                }
                if (groups == 0) {
                    products.multiply(pass, start, start + len);
                }
            }
        }
        for (int c = 0; c < p.pipelineLatency() * passes; c++) {
            t++;
        }
        return t;
    }
}
