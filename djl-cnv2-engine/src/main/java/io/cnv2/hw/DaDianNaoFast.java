package io.cnv2.hw;

import io.cnv2.config.MachineConfig;
import io.cnv2.fixed.QTensor;
import io.cnv2.ir.ConvGeometry;

/**
 * The dense baseline, fast: outputs from the exact vectorised window sums of {@link WindowSums}
 * (any summation order gives the same bits, CNV2-MODEL.md section 2 rule 3), cycles and memory
 * events from the closed forms of {@link DaDianNaoTiming}. Agrees with {@link DaDianNaoReference}
 * bit for bit and cycle for cycle.
 */
public final class DaDianNaoFast implements Accelerator {
    private final MachineConfig machine;

    public DaDianNaoFast(MachineConfig machine) {
        this.machine = machine;
    }

    @Override
    public String name() {
        return "dadn";
    }

    @Override
    public LayerRun run(QLayer layer, QTensor input) {
        ConvGeometry g = layer.geometry();
        OutputStage outputs = new OutputStage(layer, machine.accumulatorBits()).finishAll(input.data());
        long cycles = DaDianNaoTiming.cycles(g, machine);
        Threshold zero = Threshold.zero(layer.inputFrac());
        long effectual = DaDianNaoTiming.passes(g, machine) * effectualPerPass(input.data(), g, zero);
        long[] in = zero.count(input.data());
        long[] fp = NeuronMemory.footprint(input, zero, io.cnv2.encoding.Encoding.RAW, machine);
        return new LayerRun(outputs.tensor(input.shape()), new LayerStats(cycles, cycles, g.macs(),
                outputs.saturations(), DaDianNaoTiming.sbBitsRead(g, machine), DaDianNaoTiming.nmBitsRead(g, machine),
                DaDianNaoTiming.nmBitsWritten(g, machine), effectual, cycles * machine.neuronLanes() - effectual,
                in[0], in[1], in[2], fp[0], fp[1]));
    }

    /** Effectual activations met over every window of every group, once per pass. */
    private long effectualPerPass(short[] in, ConvGeometry g, Threshold t) {
        long sum = 0;
        for (int group = 0; group < g.groups(); group++) {
            BrickMasks masks = new BrickMasks(in, g, group, machine.neuronLanes(), t);
            for (int oy = 0; oy < g.outY(); oy++) {
                for (int ox = 0; ox < g.outX(); ox++) {
                    int corner = masks.corner(oy, ox);
                    for (int offset : masks.offsets) {
                        sum += Integer.bitCount(masks.mask(corner + offset));
                    }
                }
            }
        }
        return sum;
    }
}
