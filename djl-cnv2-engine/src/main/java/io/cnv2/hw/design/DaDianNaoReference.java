package io.cnv2.hw.design;

import io.cnv2.hw.Accelerator;
import io.cnv2.hw.LayerRun;
import io.cnv2.hw.LayerStats;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;
import io.cnv2.hw.brick.Bricks;
import io.cnv2.hw.brick.NeuronMemory;
import io.cnv2.hw.brick.OutputStage;
import io.cnv2.hw.timing.DaDianNaoTiming;

import io.cnv2.config.Isca2016Profile;
import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.hw.timing.Isca2016Dense;
import io.cnv2.hw.timing.LaneStreams;
import io.cnv2.fixed.Fixed;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.ConvGeometry;

/**
 * The dense baseline done literally (CNV2-MODEL.md sections 2 and 3): for each group, pass of
 * {@code tiles * filterLanes} filters and window, one brick per cycle is fetched from NM and
 * broadcast to all tiles; in each tile each filter lane reads its filter's weights for that
 * brick from SB, multiplies them lane by lane with the brick's activations, sums the products in
 * its adder tree and adds the sum to its accumulator, which wraps at the accumulator width after
 * every addition. Cycles and memory events are counted as they happen. Slow by design: it is the
 * definition the fast path is tested against.
 */
public final class DaDianNaoReference implements Accelerator {
    private final MachineConfig machine;
    /** The isca2016 profile's rules, or null for the ideal profile (section 3). */
    private final Isca2016Profile isca2016;

    /** DaDN under the ideal profile (CNV2-MODEL.md section 3). */
    public DaDianNaoReference(MachineConfig machine) {
        this(machine, RunConfig.DEFAULT.withTiming("ideal"));
    }

    /** DaDN under the run's timing profile. */
    public DaDianNaoReference(MachineConfig machine, RunConfig run) {
        this.machine = machine;
        this.isca2016 = run.usesIsca2016() ? run.isca2016() : null;
    }

    @Override
    public String name() {
        return "dadn";
    }

    @Override
    public LayerRun run(QLayer layer, QTensor input) {
        if (isca2016 != null) {
            return isca2016(layer, input);
        }
        ConvGeometry g = layer.geometry();
        int brick = machine.neuronLanes();
        int tiles = machine.tiles();
        int lanes = machine.filterLanes();
        int cg = g.channelsPerGroup();
        int kg = g.filtersPerGroup();
        int nb = Bricks.perWindow(g, brick);
        int bits = machine.accumulatorBits();
        short[] a = input.data();
        short[] w = layer.weights();
        short[] act = new short[brick];
        long[][] acc = new long[tiles][lanes];
        OutputStage outputs = new OutputStage(layer, bits);
        long cycles = 0;
        long nmRead = 0;
        long sbRead = 0;
        long effectual = 0;
        for (int group = 0; group < g.groups(); group++) {
            for (int pass = 0; pass < DaDianNaoTiming.passes(g, machine); pass++) {
                for (int oy = 0; oy < g.outY(); oy++) {
                    for (int ox = 0; ox < g.outX(); ox++) {
                        for (long[] t : acc) {
                            java.util.Arrays.fill(t, 0);
                        }
                        for (int b = 0; b < nb; b++) { // one brick per cycle
                            Bricks.fetch(a, g, group, oy, ox, b, brick, act);
                            int ky = Bricks.kernelY(g, b, brick);
                            int kx = Bricks.kernelX(g, b, brick);
                            int cBrick = (b % Bricks.ceilDiv(cg, brick)) * brick;
                            nmRead += (long) brick * machine.dataBits();
                            for (short v : act) {
                                effectual += v != 0 ? 1 : 0; // a lane doing useful work this cycle
                            }
                            for (int t = 0; t < tiles; t++) {
                                for (int f = 0; f < lanes; f++) {
                                    int k = pass * tiles * lanes + t * lanes + f;
                                    if (k >= kg) {
                                        continue; // an idle filter lane
                                    }
                                    sbRead += (long) brick * machine.dataBits();
                                    long tree = 0;
                                    for (int l = 0; l < brick; l++) {
                                        int c = cBrick + l;
                                        int wq = c < cg ? w[Bricks.weightIndex(g, group * kg + k, c, ky, kx)] : 0;
                                        tree += (long) act[l] * wq; // rule 2: exact 32-bit product
                                    }
                                    acc[t][f] = Fixed.wrap(acc[t][f] + tree, bits); // rule 3
                                }
                            }
                            cycles++;
                        }
                        for (int t = 0; t < tiles; t++) {
                            for (int f = 0; f < lanes; f++) {
                                int k = pass * tiles * lanes + t * lanes + f;
                                if (k < kg) {
                                    outputs.finish(group * kg + k, oy, ox, acc[t][f]);
                                }
                            }
                        }
                    }
                }
            }
        }
        // MACs: every real (output, kernel position, channel) product, padding positions included
        long[] in = Threshold.zero(layer.inputFrac()).count(a);
        long[] fp = NeuronMemory.footprint(input, Threshold.zero(input.frac()), io.cnv2.encoding.Encoding.RAW, machine);
        return outputs.run(outputs.tensor(input.shape()), new LayerStats(cycles, cycles, g.macs(),
                outputs.saturations(), sbRead, nmRead, DaDianNaoTiming.nmBitsWritten(g, machine), effectual,
                cycles * brick - effectual, in[0], in[1], in[2], fp[0], fp[1]));
    }

    /**
     * DaDN under the isca2016 profile (section 4a rule 6), literally: per group, window and (with
     * the passes outer) pass, one lane streams the window's real values packed, in the stream order
     * of rule 1, and {@link Isca2016Dense#windowReference} spends its cycles, multiplying each
     * cycle's values with every filter of the pass. Memory events as the ideal profile, except that
     * with the passes inner a window's bricks are read once.
     */
    private LayerRun isca2016(QLayer layer, QTensor input) {
        ConvGeometry g = layer.geometry();
        int lanes = machine.neuronLanes();
        int perPass = machine.filtersPerPass();
        int cg = g.channelsPerGroup();
        int kg = g.filtersPerGroup();
        int passes = DaDianNaoTiming.passes(g, machine);
        int bits = machine.accumulatorBits();
        LaneStreams order = new LaneStreams(g, 1, isca2016); // one lane: the whole window, slice = C
        int values = Isca2016Dense.windowValues(g);
        short[] a = input.data();
        short[] w = layer.weights();
        OutputStage outputs = new OutputStage(layer, bits);
        short[] stream = new short[values];
        long[] acc = new long[kg];
        long cycles = 0;
        long effectual = 0;
        for (int group = 0; group < g.groups(); group++) {
            int gr = group;
            for (int oy = 0; oy < g.outY(); oy++) {
                for (int ox = 0; ox < g.outX(); ox++) {
                    for (int i = 0; i < values; i++) {
                        int iy = oy * g.strideY() - g.padTop() + order.kernelY(i) * g.dilationY();
                        int ix = ox * g.strideX() - g.padLeft() + order.kernelX(i) * g.dilationX();
                        boolean inside = iy >= 0 && iy < g.height() && ix >= 0 && ix < g.width();
                        stream[i] = inside ? a[((gr * cg + order.channel(0, i)) * g.height() + iy) * g.width() + ix] : 0;
                        effectual += stream[i] != 0 ? passes : 0;
                    }
                    java.util.Arrays.fill(acc, 0);
                    Isca2016Dense.Products products = (pass, from, to) -> {
                        int filters = Math.min(perPass, kg - pass * perPass);
                        for (int f = 0; f < filters; f++) {
                            int k = pass * perPass + f;
                            for (int i = from; i < to; i++) {
                                int wq = w[Bricks.weightIndex(g, gr * kg + k, order.channel(0, i), order.kernelY(i),
                                        order.kernelX(i))];
                                acc[k] = Fixed.wrap(acc[k] + (long) stream[i] * wq, bits); // rules 2 and 3
                            }
                        }
                    };
                    if (isca2016.passesInner()) {
                        cycles += Isca2016Dense.windowReference(values, passes, lanes, isca2016, products);
                    } else {
                        for (int pass = 0; pass < passes; pass++) {
                            int only = pass;
                            cycles += Isca2016Dense.windowReference(values, 1, lanes, isca2016,
                                    (p, from, to) -> products.multiply(only, from, to));
                        }
                    }
                    for (int k = 0; k < kg; k++) {
                        outputs.finish(gr * kg + k, oy, ox, acc[k]);
                    }
                }
            }
        }
        long[] in = Threshold.zero(layer.inputFrac()).count(a);
        long[] fp = NeuronMemory.footprint(input, Threshold.zero(input.frac()), io.cnv2.encoding.Encoding.RAW, machine);
        return outputs.run(outputs.tensor(input.shape()), new LayerStats(cycles, cycles, g.macs(),
                outputs.saturations(), DaDianNaoTiming.sbBitsRead(g, machine),
                DaDianNaoTiming.nmBitsRead(g, machine, isca2016), DaDianNaoTiming.nmBitsWritten(g, machine), effectual,
                cycles * lanes - effectual, in[0], in[1], in[2], fp[0], fp[1]));
    }

}
