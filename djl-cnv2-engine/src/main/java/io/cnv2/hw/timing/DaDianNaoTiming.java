package io.cnv2.hw.timing;

import io.cnv2.hw.brick.Bricks;

import io.cnv2.config.MachineConfig;
import io.cnv2.ir.ConvGeometry;

/**
 * Dense baseline timing and memory events in closed form (CNV2-MODEL.md section 3):
 * {@code cycles = Ox * Oy * Ky * Kx * ceil(C / brick) * ceil(K / (tiles * filterLanes))} per
 * group; a grouped convolution runs each group as its own layer. The reference model counts the
 * same quantities cycle by cycle; tests hold the two equal.
 */
public final class DaDianNaoTiming {
    private DaDianNaoTiming() {
    }

    /** Passes of one group: ceil(K / 256) with the default machine. */
    public static int passes(ConvGeometry g, MachineConfig m) {
        return Bricks.ceilDiv(g.filtersPerGroup(), m.filtersPerPass());
    }

    /** DaDN cycles of the whole layer, summed over groups. */
    public static long cycles(ConvGeometry g, MachineConfig m) {
        return (long) g.groups() * g.outY() * g.outX() * Bricks.perWindow(g, m.neuronLanes()) * passes(g, m);
    }

    /**
     * DaDN cycles of the whole layer under a timing profile: section 3's closed form for the ideal
     * profile ({@code isca2016} null), section 4a rule 6 ({@link Isca2016Dense}) otherwise. The
     * one place every design's baseline comes from, so speedups always compare like with like.
     */
    public static long cycles(ConvGeometry g, MachineConfig m, io.cnv2.config.Isca2016Profile isca2016) {
        return isca2016 == null ? cycles(g, m)
                : Isca2016Dense.cycles(g, m.neuronLanes(), m.filtersPerPass(), isca2016);
    }

    /**
     * Activation memory bits read: every brick of every window is fetched once per pass and
     * broadcast to all tiles.
     */
    public static long nmBitsRead(ConvGeometry g, MachineConfig m) {
        return cycles(g, m) * m.neuronLanes() * m.dataBits();
    }

    /**
     * The same under a timing profile: with the isca2016 profile's filter passes inner
     * (section 4a rule 3) a window's bricks are read once for all passes; {@code isca2016} null
     * is the ideal profile.
     */
    public static long nmBitsRead(ConvGeometry g, MachineConfig m, io.cnv2.config.Isca2016Profile isca2016) {
        return isca2016 != null && isca2016.passesInner() ? nmBitsRead(g, m) / passes(g, m) : nmBitsRead(g, m);
    }

    /**
     * Weight memory bits read: every cycle, each filter lane holding a real filter reads the
     * brickSize weights that meet the cycle's brick. Over a pass that is the filters of the pass
     * times the window's bricks, so over the layer every filter's padded window, once per window.
     */
    public static long sbBitsRead(ConvGeometry g, MachineConfig m) {
        return (long) g.groups() * g.outY() * g.outX() * Bricks.perWindow(g, m.neuronLanes())
                * g.filtersPerGroup() * m.neuronLanes() * m.dataBits();
    }

    /** Activation memory bits written: the layer's output, once. */
    public static long nmBitsWritten(ConvGeometry g, MachineConfig m) {
        return (long) g.filters() * g.outY() * g.outX() * m.dataBits();
    }
}
