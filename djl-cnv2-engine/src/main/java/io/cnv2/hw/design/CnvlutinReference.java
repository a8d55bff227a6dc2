package io.cnv2.hw.design;

import io.cnv2.hw.LayerRun;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.fixed.QTensor;

/**
 * Cnvlutin done literally (CNV2-MODEL.md section 4). The input is held in NM as ZFNAf (the
 * layer's threshold applied at encoding). For each group, pass of {@code tiles * filterLanes}
 * filters and window, the dispatcher deals the window's bricks, in storage order, to the neuron
 * lanes: with the {@code consecutive} policy step s gives brick {@code 16s + l} to lane l. Every
 * cycle each lane that still holds a pair takes its next (value, offset) pair, and every filter
 * lane of every tile multiplies it by the weight the offset selects; the filter lane's adder tree
 * sums the lanes' products into its accumulator (wrapping at the accumulator width). With
 * {@code laneSync: step} a step ends when its busiest lane is done, never before
 * {@code minStepCycles}; with {@code laneSync: window} each lane runs through all its bricks
 * of the window and the lanes meet once per window. All tiles work in lockstep on one window.
 * The cycle-by-cycle loop is {@link Cnvlutin2Reference}'s, with Cnvlutin's settings.
 */
public final class CnvlutinReference extends SkippingAccelerator {
    public CnvlutinReference(MachineConfig machine, RunConfig run) {
        super("cnv", machine, run, new DaDianNaoReference(machine, run));
    }

    /**
     * Cnvlutin is Cnvlutin2 with ZFNAf in NM, detection at the producer's output and no weight
     * skipping (CNV2-MODEL.md sections 4 and 5): the same literal lane-by-lane model runs it,
     * and its per-(lane, filter) queues then all hold the lane's effectual pairs.
     */
    @Override
    protected LayerRun skipping(QLayer layer, QTensor input, Threshold t) {
        return new Cnvlutin2Reference(machine, run.withCnv2("zfnaf", "output", "none")).run(layer, input);
    }
}
