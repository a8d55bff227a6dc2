package io.cnv2.hw.design;

import io.cnv2.hw.LayerRun;
import io.cnv2.hw.LayerStats;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;
import io.cnv2.hw.brick.BrickMasks;
import io.cnv2.hw.brick.Bricks;
import io.cnv2.hw.brick.NeuronMemory;
import io.cnv2.hw.brick.OutputStage;
import io.cnv2.hw.brick.WindowSums;
import io.cnv2.hw.timing.DaDianNaoTiming;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.WeightSkip;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.ConvGeometry;

/**
 * Cnvlutin2 with {@code weightSkip: lookahead(h,d)}, fast (CNV2-MODEL.md section 5.4). The
 * schedule depends only on the weights, so its cost is fixed per layer: every window of a pass
 * costs the rows of the pass's slowest tile ({@link TacticalSchedule}, built once per layer, its
 * weight rows in the run's {@code kernelOrder}).
 * Outputs are the exact window sums of {@link WindowSums}: a static schedule only reorders the
 * products. Agrees with {@link TacticalReference} bit for bit and cycle for cycle.
 */
public final class TacticalFast {
    private TacticalFast() {
    }

    static LayerRun run(QLayer layer, QTensor input, Threshold t, MachineConfig machine, NeuronMemory nm,
                        WeightSkip ws, String kernelOrder) {
        ConvGeometry g = layer.geometry();
        int lanes = machine.neuronLanes();
        OutputStage outputs = new OutputStage(layer, machine.accumulatorBits()).finishAll(t.apply(input.data()));
        long windows = (long) g.outY() * g.outX();
        long slotBits = (long) lanes * (machine.dataBits() + ws.selectBits());
        long cycles = 0;
        long busy = 0;
        long sbRead = 0;
        long nmRead = 0;
        var schedule = TacticalSchedule.of(layer, ws, kernelOrder, machine.tiles(), machine.filterLanes(), lanes);
        for (int group = 0; group < g.groups(); group++) {
            var passes = schedule.get(group);
            nmRead += passes.size() * windowReads(input, g, group, lanes, t, nm);
            for (TacticalSchedule.Pass p : passes) {
                cycles += windows * p.cycles();
                busy += windows * p.slowest().busy();
                for (TacticalSchedule.Tile tile : p.tiles()) {
                    sbRead += windows * tile.rows() * tile.filters() * slotBits;
                }
            }
        }
        QTensor out = outputs.tensor(input.shape());
        long[] in = t.count(input.data());
        long[] fp = nm.footprint(input, t);
        return outputs.run(out, new LayerStats(cycles, DaDianNaoTiming.cycles(g, machine), g.macs(),
                outputs.saturations(), sbRead, nmRead, nm.written(out), busy, cycles * lanes - busy, in[0], in[1],
                in[2], fp[0], fp[1]));
    }

    /** NM bits one pass of a group reads: every brick of every window, once. */
    private static long windowReads(QTensor input, ConvGeometry g, int group, int lanes, Threshold t,
                                    NeuronMemory nm) {
        int nb = Bricks.perWindow(g, lanes);
        if (nm.fixedSlots()) {
            return (long) g.outY() * g.outX() * nb * nm.brickRead(0);
        }
        BrickMasks masks = new BrickMasks(input.data(), g, group, lanes, t);
        long bits = 0;
        for (int oy = 0; oy < g.outY(); oy++) {
            for (int ox = 0; ox < g.outX(); ox++) {
                int corner = masks.corner(oy, ox);
                for (int b = 0; b < nb; b++) {
                    bits += nm.brickRead(Integer.bitCount(masks.mask(corner + masks.offsets[b])));
                }
            }
        }
        return bits;
    }
}
