package io.cnv2.potentials;

import io.cnv2.exec.Emulator;
import io.cnv2.exec.NodeStats;
import io.cnv2.hw.design.DeltaCnvlutin;
import io.cnv2.hw.LayerStats;
import io.cnv2.ir.Node;
import io.cnv2.ir.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Temporal (delta) sparsity over a frame sequence (CNV2-MODEL.md section 8): every frame runs
 * twice, frame by frame on Cnvlutin (the emulator's run) and on {@link DeltaCnvlutin}, where each
 * accelerator layer takes the difference from the input it last applied. Per layer: effectual
 * activations against effectual deltas, and the cycles of each; per frame: whether the delta
 * run's output equals the frame-by-frame output bit for bit (always, at delta threshold 0).
 */
public final class DeltaStudy {
    private DeltaStudy() {
    }

    /**
     * One layer over the sequence (the first frame included: its deltas are the whole input).
     *
     * @param activations          input activations over all frames
     * @param effectualActivations of those, effectual for frame-by-frame Cnvlutin
     * @param effectualDeltas      deltas sent (non-zero, not below the delta threshold)
     * @param heldDeltas           non-zero deltas the delta threshold held back
     * @param cnvCycles            Cnvlutin cycles frame by frame
     * @param deltaCycles          Cnvlutin cycles on the deltas
     * @param dadnCycles           DaDianNao cycles
     */
    public record LayerDelta(String layer, long activations, long effectualActivations, long effectualDeltas,
                             long heldDeltas, long cnvCycles, long deltaCycles, long dadnCycles) {
        /** Effectual deltas per effectual activation. */
        public double deltaRatio() {
            return effectualActivations == 0 ? 0 : (double) effectualDeltas / effectualActivations;
        }

        /** Speedup of the delta run over frame-by-frame Cnvlutin. */
        public double speedupOverCnv() {
            return deltaCycles == 0 ? 0 : (double) cnvCycles / deltaCycles;
        }
    }

    /**
     * The outcome.
     *
     * @param framesBitExact frames whose delta-run output equals the frame-by-frame output in every bit
     * @param framesSameClass frames whose predicted class is the same
     */
    public record Result(int frames, double deltaThreshold, List<LayerDelta> layers, LayerDelta network,
                         int framesBitExact, int framesSameClass) {
    }

    /** Runs {@code frames} in order; {@code progress} (may be null) hears every frame done. */
    public static Result run(Emulator frameByFrame, List<Tensor> frames, double deltaThreshold, IntConsumer progress) {
        DeltaCnvlutin delta = new DeltaCnvlutin(frameByFrame.machine(), frameByFrame.run(), deltaThreshold);
        Emulator onDeltas = new Emulator(frameByFrame.network(), frameByFrame.machine(), frameByFrame.run(),
                frameByFrame.calibration(), delta, frameByFrame.energy());
        Map<String, long[]> sums = new LinkedHashMap<>();
        for (Node n : frameByFrame.network().acceleratorLayers()) {
            sums.put(n.name(), new long[7]);
        }
        int exact = 0;
        int sameClass = 0;
        for (int f = 0; f < frames.size(); f++) {
            Emulator.Step a = frameByFrame.step(frames.get(f));
            Emulator.Step d = onDeltas.step(frames.get(f));
            exact += Arrays.equals(a.fixedOutput().data(), d.fixedOutput().data()) ? 1 : 0;
            sameClass += a.fixedClass() == d.fixedClass() ? 1 : 0;
            add(sums, a.nodes(), false);
            add(sums, d.nodes(), true);
            if (progress != null) {
                progress.accept(f + 1);
            }
        }
        List<LayerDelta> layers = new ArrayList<>();
        long[] total = new long[7];
        for (Map.Entry<String, long[]> e : sums.entrySet()) {
            long[] s = e.getValue();
            layers.add(new LayerDelta(e.getKey(), s[0], s[1], s[2], s[3], s[4], s[5], s[6]));
            for (int i = 0; i < 7; i++) {
                total[i] += s[i];
            }
        }
        LayerDelta network = new LayerDelta("network", total[0], total[1], total[2], total[3], total[4], total[5],
                total[6]);
        return new Result(frames.size(), deltaThreshold, layers, network, exact, sameClass);
    }

    private static void add(Map<String, long[]> sums, List<NodeStats> nodes, boolean deltas) {
        for (NodeStats n : nodes) {
            LayerStats h = n.hardware();
            long[] s = sums.get(n.node());
            if (h == null || s == null) {
                continue;
            }
            if (deltas) {
                s[2] += h.effectualInputs();
                s[3] += h.thresholdedInputs();
                s[5] += h.cycles();
            } else {
                s[0] += h.inputActivations();
                s[1] += h.effectualInputs();
                s[4] += h.cycles();
                s[6] += h.baselineCycles();
            }
        }
    }
}
