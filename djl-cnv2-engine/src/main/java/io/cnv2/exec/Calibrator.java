package io.cnv2.exec;

import io.cnv2.fixed.Calibration;
import io.cnv2.fixed.Formats;
import io.cnv2.fixed.RangeProfile;
import io.cnv2.ir.Network;
import io.cnv2.ir.Tensor;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Chooses the activation formats of a run from a profiling set (CNV2-MODEL.md section 2:
 * default the first 100 inputs of the dataset): the float reference runs each input and the
 * range of every calibrated tensor is recorded. The float reference is the network's float
 * authority (ONNX Runtime for ONNX models) where it computes every calibrated tensor ({@link FloatPass}).
 */
public final class Calibrator {
    private Calibrator() {
    }

    public static Calibration profile(Network net, List<Map<String, Tensor>> samples, String source) {
        return profile(net, samples, source, null);
    }

    /**
     * {@link #profile}, keeping each sample's float outputs in {@code outputs} (when not null) so a
     * run over the same images does not run the float pass twice (issue 23). The outputs are asked
     * of the same float pass as the profiled tensors; they do not change the formats.
     */
    public static Calibration profile(Network net, List<Map<String, Tensor>> samples, String source,
                                      FloatOutputs outputs) {
        FloatPass exec = new FloatPass(net);
        Set<String> wanted = new HashSet<>();
        Formats.calibratedTensors(net).forEach(wanted::add);
        Set<String> profiled = Set.copyOf(wanted);
        // kept only when the pass that profiles computes the outputs as a run's float column does (the
        // same authority): a network whose per-step tensors only cnv2's IR holds profiles in Java, and
        // its float column is ONNX Runtime's
        Set<String> withOutputs = new HashSet<>(wanted);
        withOutputs.addAll(net.outputs());
        boolean keep = outputs != null && exec.source(withOutputs).equals(exec.source(new HashSet<>(net.outputs())));
        if (keep) {
            wanted.addAll(net.outputs());
        }
        RangeProfile profile = new RangeProfile();
        // tensor by tensor: a large network's intermediate tensors need not fit the heap all at once
        java.util.stream.IntStream.range(0, samples.size()).parallel().forEach(i -> {
            Map<String, Tensor> outs = new java.util.HashMap<>();
            exec.stream(samples.get(i), wanted, (name, t) -> {
                if (profiled.contains(name)) {
                    profile.addTensor(name, t);
                }
                if (keep && net.outputs().contains(name)) {
                    outs.put(name, t);
                }
            });
            profile.sampleDone();
            if (keep && outs.size() == net.outputs().size()) {
                outputs.remember(i, outs);
            }
        });
        return new Calibration(source, profile.fractions());
    }
}
