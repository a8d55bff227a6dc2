package io.cnv2.hw.design;

import io.cnv2.hw.LayerRun;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;
import io.cnv2.hw.brick.WindowSums;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.fixed.QTensor;

/**
 * Cnvlutin, fast (CNV2-MODEL.md section 4). Outputs: skipping an activation is the same as
 * using 0 (rule 7), so the ineffectual activations are zeroed and the exact vectorised window
 * sums of {@link WindowSums} give the lane-by-lane bits (integer sums in any order, rule 3).
 * Cycles: from the effectual count of every brick, per window and step,
 * {@code max(minStepCycles, max over lanes)}; all tiles in lockstep, so the window sum is
 * multiplied by the passes {@code ceil(K / 256)}: {@link Cnvlutin2Fast} with Cnvlutin's
 * settings. Agrees with {@link CnvlutinReference} bit for bit and cycle for cycle.
 */
public final class CnvlutinFast extends SkippingAccelerator {
    public CnvlutinFast(MachineConfig machine, RunConfig run) {
        super("cnv", machine, run, new DaDianNaoFast(machine, run));
    }

    /**
     * Cnvlutin is Cnvlutin2 with ZFNAf in NM, detection at the producer's output and no weight
     * skipping (CNV2-MODEL.md sections 4 and 5): the same fast model times it.
     */
    @Override
    protected LayerRun skipping(QLayer layer, QTensor input, Threshold t) {
        return new Cnvlutin2Fast(machine, run.withCnv2("zfnaf", "output", "none")).run(layer, input);
    }
}
