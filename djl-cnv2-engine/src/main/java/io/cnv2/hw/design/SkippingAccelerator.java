package io.cnv2.hw.design;

import io.cnv2.hw.Accelerator;
import io.cnv2.hw.LayerRun;
import io.cnv2.hw.QLayer;
import io.cnv2.hw.Threshold;
import io.cnv2.hw.timing.DaDianNaoTiming;

import io.cnv2.config.MachineConfig;
import io.cnv2.config.RunConfig;
import io.cnv2.config.WeightSkip;
import io.cnv2.fixed.QTensor;

/**
 * What every skipping model (Cnvlutin, Cnvlutin2; reference and fast) shares: the machine and
 * run it models, its name, and the rule that a layer listed in {@code denseLayers} runs like
 * DaDianNao (CNV2-MODEL.md section 4), through the dense model of the same kind (reference or
 * fast). Subclasses time and compute the skipping layers with the layer's threshold.
 */
abstract class SkippingAccelerator implements Accelerator {
    protected final MachineConfig machine;
    protected final RunConfig run;
    /** The run's weight-skipping mode, parsed once here rather than for every layer of every input. */
    protected final WeightSkip weightSkip;
    private final String name;
    private final Accelerator dense;

    SkippingAccelerator(String name, MachineConfig machine, RunConfig run, Accelerator dense) {
        this.name = name;
        this.machine = machine;
        this.run = run;
        this.weightSkip = run.weightSkipMode();
        this.dense = dense;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final LayerRun run(QLayer layer, QTensor input) {
        if (run.isDense(layer.name())) {
            return dense.run(layer, input);
        }
        return skipping(layer, input, threshold(layer));
    }

    /**
     * What {@code layer} skips: its threshold (rule 7), or exact zeros only in a layer listed in
     * {@code denseLayers}, which runs like DaDianNao and so skips nothing that changes a sum.
     * {@link io.cnv2.hw.OutputsOnly} zeroes by the same rule.
     */
    public final Threshold threshold(QLayer layer) {
        return run.isDense(layer.name()) ? Threshold.zero(layer.inputFrac())
                : Threshold.of(run.thresholdOf(layer.name()), layer);
    }

    /**
     * DaDianNao's cycles of the layer under the run's timing profile: the baseline every speedup
     * is taken against (CNV2-MODEL.md section 4a: both under the same profile).
     */
    protected final long baselineCycles(io.cnv2.ir.ConvGeometry g) {
        return DaDianNaoTiming.cycles(g, machine, run.usesIsca2016() ? run.isca2016() : null);
    }

    /** A layer that skips what {@code t} calls ineffectual. */
    protected abstract LayerRun skipping(QLayer layer, QTensor input, Threshold t);
}
