package io.cnv2.hw;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.ConvGeometry;

/**
 * Cnvlutin, fast (CNV2-MODEL.md section 4). Outputs: skipping an activation is the same as
 * using 0 (rule 7), so the ineffectual activations are zeroed and the exact vectorised window
 * sums of {@link WindowSums} give the lane-by-lane bits (integer sums in any order, rule 3).
 * Cycles: from the effectual count of every brick, per window and step,
 * {@code max(minStepCycles, max over lanes)}; all tiles in lockstep, so the window sum is
 * multiplied by the passes {@code ceil(K / 256)}. Agrees with {@link CnvlutinReference} bit for
 * bit and cycle for cycle.
 */
public final class CnvlutinFast extends SkippingAccelerator {
    public CnvlutinFast(MachineConfig machine, RunConfig run) {
        super("cnv", machine, run, new DaDianNaoFast(machine));
    }

    @Override
    protected LayerRun skipping(QLayer layer, QTensor input, Threshold t) {
        ConvGeometry g = layer.geometry();
        OutputStage outputs = new OutputStage(layer, machine.accumulatorBits()).finishAll(t.apply(input.data()));
        int lanes = machine.neuronLanes();
        long passes = DaDianNaoTiming.passes(g, machine);
        long windowCycles = 0;
        long effectual = 0;
        boolean windowSync = run.laneSync().equals("window");
        for (int group = 0; group < g.groups(); group++) {
            BrickCounts counts = new BrickCounts(input.data(), g, group, lanes, t);
            for (int oy = 0; oy < g.outY(); oy++) {
                for (int ox = 0; ox < g.outX(); ox++) {
                    windowCycles += counts.cycles(oy, ox, lanes, run.minStepCycles(), windowSync);
                }
            }
            effectual += counts.effectual();
        }
        long cycles = windowCycles * passes;
        long lanesEffectual = effectual * passes;
        int pairBits = machine.dataBits() + machine.offsetBits();
        long nmRead = DaDianNaoTiming.cycles(g, machine) * lanes * pairBits; // every brick slot, per window and pass
        long sbRead = effectual * g.filtersPerGroup() * machine.dataBits();
        long written = (long) g.outY() * g.outX() * Bricks.ceilDiv(g.filters(), lanes) * lanes * pairBits;
        long[] in = t.count(input.data());
        long[] fp = NeuronMemory.footprint(input, t, io.cnv2.encoding.Encoding.ZFNAF, machine);
        return new LayerRun(outputs.tensor(input.shape()), new LayerStats(cycles, DaDianNaoTiming.cycles(g, machine),
                g.macs(), outputs.saturations(), sbRead, nmRead, written, lanesEffectual, cycles * lanes - lanesEffectual,
                in[0], in[1], in[2], fp[0], fp[1]));
    }
}
