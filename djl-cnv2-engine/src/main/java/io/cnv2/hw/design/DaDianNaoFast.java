package io.cnv2.hw.design;

import io.cnv2.hw.Accelerator;
import io.cnv2.hw.LayerRun;
import io.cnv2.hw.LayerStats;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;
import io.cnv2.hw.brick.BrickMasks;
import io.cnv2.hw.brick.NeuronMemory;
import io.cnv2.hw.brick.OutputStage;
import io.cnv2.hw.brick.WindowSums;
import io.cnv2.hw.timing.DaDianNaoTiming;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.hw.timing.Isca2016Dense;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.ConvGeometry;

/**
 * The dense baseline, fast: outputs from the exact vectorised window sums of {@link WindowSums}
 * (any summation order gives the same bits, CNV2-MODEL.md section 2 rule 3), cycles and memory
 * events from the closed forms of {@link DaDianNaoTiming} (ideal profile) or {@link Isca2016Dense}. Agrees with {@link DaDianNaoReference}
 * bit for bit and cycle for cycle.
 */
public final class DaDianNaoFast implements Accelerator {
    private final MachineConfig machine;
    /** The isca2016 profile's rules, or null for the ideal profile (section 3). */
    private final io.cnv2.config.Isca2016Profile isca2016;

    /** DaDN under the ideal profile (CNV2-MODEL.md section 3, the figure DNNsim reports). */
    public DaDianNaoFast(MachineConfig machine) {
        this(machine, RunConfig.DEFAULT.withTiming("ideal"));
    }

    /** DaDN under the run's timing profile (section 4a rule 6 for isca2016). */
    public DaDianNaoFast(MachineConfig machine, RunConfig run) {
        this.machine = machine;
        this.isca2016 = run.usesIsca2016() ? run.isca2016() : null;
    }

    @Override
    public String name() {
        return "dadn";
    }

    @Override
    public LayerRun run(QLayer layer, QTensor input) {
        ConvGeometry g = layer.geometry();
        OutputStage outputs = new OutputStage(layer, machine.accumulatorBits()).finishAll(input.data());
        long cycles = DaDianNaoTiming.cycles(g, machine, isca2016);
        Threshold zero = Threshold.zero(layer.inputFrac());
        long effectual = DaDianNaoTiming.passes(g, machine) * effectualPerPass(input.data(), g, zero);
        long[] in = zero.count(input.data());
        long[] fp = NeuronMemory.footprint(input, zero, io.cnv2.encoding.Encoding.RAW, machine);
        return outputs.run(outputs.tensor(input.shape()), new LayerStats(cycles, cycles, g.macs(),
                outputs.saturations(), DaDianNaoTiming.sbBitsRead(g, machine), DaDianNaoTiming.nmBitsRead(g, machine, isca2016),
                DaDianNaoTiming.nmBitsWritten(g, machine), effectual, cycles * machine.neuronLanes() - effectual,
                in[0], in[1], in[2], fp[0], fp[1]));
    }

    /** Effectual activations met over every window of every group, once per pass. */
    private long effectualPerPass(short[] in, ConvGeometry g, Threshold t) {
        long sum = 0;
        for (int group = 0; group < g.groups(); group++) {
            // every window's every brick, summed over the grid by multiplicity (no window loop)
            sum += new BrickMasks(in, g, group, machine.neuronLanes(), t).windowSum();
        }
        return sum;
    }
}
