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
        FloatPass exec = new FloatPass(net);
        Set<String> wanted = new HashSet<>();
        Formats.calibratedTensors(net).forEach(wanted::add);
        RangeProfile profile = new RangeProfile();
        // tensor by tensor: a large network's intermediate tensors need not fit the heap all at once
        samples.parallelStream().forEach(s -> {
            exec.stream(s, wanted, profile::addTensor);
            profile.sampleDone();
        });
        return new Calibration(source, profile.fractions());
    }
}
