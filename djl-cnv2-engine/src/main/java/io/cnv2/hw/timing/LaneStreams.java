package io.cnv2.hw.timing;

import io.cnv2.config.Isca2016Profile;
import io.cnv2.ir.ConvGeometry;

/**
 * How the {@code isca2016} profile feeds a window to the neuron lanes (CNV2-MODEL.md section 4a,
 * rules 1 and 2): the group's C channels are rounded up to C', a multiple of the lane count, with
 * zero channels; lane l owns the channel slice [l S, (l + 1) S), S = C' / lanes; its stream lists
 * the slice at every kernel position, the kernel column outermost ({@code streamOrder kx-ky-c}),
 * so entry i is channel {@code l S + i mod S} at position {@code i / S}; the stream is cut into
 * chunks of {@code chunkValues} that ignore position boundaries, the last one holding the rest.
 * Every lane's stream has the same length.
 */
public final class LaneStreams {
    /** Neuron lanes. */
    public final int lanes;
    /** Channels per lane: S = C' / lanes. */
    public final int slice;
    /** Kernel positions Ky * Kx. */
    public final int positions;
    /** Entries per lane stream: positions * S. */
    public final int length;
    /** Values per chunk. */
    public final int chunkValues;
    /** Chunks per lane stream. */
    public final int chunks;
    private final int[] positionKy;
    private final int[] positionKx;

    public LaneStreams(ConvGeometry g, int lanes, Isca2016Profile p) {
        this.lanes = lanes;
        this.slice = (g.channelsPerGroup() + lanes - 1) / lanes;
        this.positions = g.kernelY() * g.kernelX();
        this.length = positions * slice;
        this.chunkValues = p.chunkValues();
        this.chunks = (length + chunkValues - 1) / chunkValues;
        this.positionKy = new int[positions];
        this.positionKx = new int[positions];
        for (int i = 0; i < positions; i++) {
            positionKy[i] = p.columnMajor() ? i % g.kernelY() : i / g.kernelX();
            positionKx[i] = p.columnMajor() ? i / g.kernelY() : i % g.kernelX();
        }
    }

    /** Channel (within the group, possibly >= C: a zero channel of C') of entry i of lane l. */
    public int channel(int lane, int i) {
        return lane * slice + i % slice;
    }

    /** Kernel row of entry i. */
    public int kernelY(int i) {
        return positionKy[i / slice];
    }

    /** Kernel column of entry i. */
    public int kernelX(int i) {
        return positionKx[i / slice];
    }

    /** Kernel row of stream position p (0 .. positions - 1). */
    public int positionKy(int p) {
        return positionKy[p];
    }

    /** Kernel column of stream position p. */
    public int positionKx(int p) {
        return positionKx[p];
    }

    /** Entries of chunk j: chunkValues, or the remainder for the last one. */
    public int chunkLength(int j) {
        return Math.min(chunkValues, length - j * chunkValues);
    }
}
