package io.cnv2.hw;

import io.cnv2.fixed.QTensor;
import io.cnv2.hw.brick.OutputStage;
import io.cnv2.hw.design.Cnvlutin2Fast;
import io.cnv2.hw.design.CnvlutinFast;
import io.cnv2.hw.design.DaDianNaoFast;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A layer's outputs without its statistics, for runs that need only the network's outputs
 * (accuracy). By CNV2-MODEL.md section 2, rule 7, skipping an ineffectual activation is the same
 * as using 0, so every design's output of a layer is the output stage (rules 3 to 5) applied to the
 * exact window sums of its input with the ineffectual activations zeroed: what the fast designs
 * compute before they time the layer. Defined for the fast designs only ({@link #of}); a reference
 * design runs literally, and a stateful one (DeltaCnvlutin, whose held deltas keep old values) has
 * other outputs. {@code OutputsOnlyRuleTest} holds the rule against every design's full run.
 */
public final class OutputsOnly {
    private final Function<QLayer, Threshold> thresholds;
    private final int accumulatorBits;
    /**
     * The thresholds of the layers given to {@link #resolving}, looked up by identity: the per-image
     * call is then the same code for every design, where calling each design's own threshold
     * function made the JIT's compiled form of {@link #run} (specialised to the first design's)
     * deoptimise when a second design ran, as the accuracy run's dense pass does (issue 23).
     */
    private final Map<QLayer, Threshold> resolved;

    private OutputsOnly(Function<QLayer, Threshold> thresholds, int accumulatorBits, Map<QLayer, Threshold> resolved) {
        this.thresholds = thresholds;
        this.accumulatorBits = accumulatorBits;
        this.resolved = resolved;
    }

    private OutputsOnly(Function<QLayer, Threshold> thresholds, int accumulatorBits) {
        this(thresholds, accumulatorBits, Map.of());
    }

    /** This run with the thresholds of {@code layers} resolved once (the same thresholds, looked up per image). */
    public OutputsOnly resolving(Collection<QLayer> layers) {
        Map<QLayer, Threshold> m = new IdentityHashMap<>();
        for (QLayer l : layers) {
            m.put(l, thresholds.apply(l));
        }
        return new OutputsOnly(thresholds, accumulatorBits, m);
    }

    /** One layer's outputs: the output tensor, its saturations, a raw integer layer's int32 sums (else null). */
    public record Outputs(QTensor output, long saturations, int[] accumulators) {
    }

    /**
     * The outputs-only form of {@code accelerator} on a machine whose accumulator has
     * {@code accumulatorBits} bits, or empty when its outputs are not rule 7's by construction
     * (a reference design, DeltaCnvlutin, a model this class does not know).
     */
    public static Optional<OutputsOnly> of(Accelerator accelerator, int accumulatorBits) {
        if (accelerator instanceof DaDianNaoFast) {
            // the dense baseline skips nothing: every activation is used as it is
            return Optional.of(new OutputsOnly(l -> Threshold.zero(l.inputFrac()), accumulatorBits));
        }
        if (accelerator instanceof CnvlutinFast cnv) {
            return Optional.of(new OutputsOnly(cnv::threshold, accumulatorBits));
        }
        if (accelerator instanceof Cnvlutin2Fast cnv2) {
            // every weightSkip mode: skipping a zero weight or reordering products leaves each sum as it is
            return Optional.of(new OutputsOnly(cnv2::threshold, accumulatorBits));
        }
        return Optional.empty();
    }

    /** The threshold whose ineffectual activations this run zeroes in {@code layer}'s input. */
    public Threshold threshold(QLayer layer) {
        Threshold t = resolved.get(layer);
        return t != null ? t : thresholds.apply(layer);
    }

    /** {@code layer}'s outputs on {@code input} (laid out as {@link Accelerator#run} takes it). */
    public Outputs run(QLayer layer, QTensor input) {
        OutputStage stage = new OutputStage(layer, accumulatorBits).finishAll(threshold(layer).apply(input.data()));
        LayerRun r = stage.run(stage.tensor(input.shape()), null);
        return new Outputs(r.output(), stage.saturations(), r.accumulators());
    }
}
