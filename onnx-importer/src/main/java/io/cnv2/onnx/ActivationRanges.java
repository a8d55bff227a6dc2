package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.cnv2.ir.Tensor;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Calibration by min/max (ONNX Runtime's default {@code CalibrationMethod.MinMax}): ONNX Runtime
 * runs the float model with every tensor to quantise added as a graph output, over the
 * calibration samples, and each tensor's range is the least and greatest value it took.
 */
final class ActivationRanges {
    private ActivationRanges() {
    }

    /** The least and greatest value a tensor took over the calibration samples. */
    record Range(float lo, float hi) {
        Range with(float[] v) {
            float l = lo;
            float h = hi;
            for (float x : v) {
                if (x < l) {
                    l = x;
                }
                if (x > h) {
                    h = x;
                }
            }
            return new Range(l, h);
        }
    }

    /** The range of each of {@code tensors} over {@code samples} (inputs by name), ONNX Runtime running {@code model}. */
    static Map<String, Range> measure(ModelProto model, Collection<String> tensors, List<Map<String, Tensor>> samples,
                                      String file) {
        Set<String> inputs = new HashSet<>();
        model.getGraph().getInputList().forEach(v -> inputs.add(v.getName()));
        Set<String> outputs = new HashSet<>();
        model.getGraph().getOutputList().forEach(v -> outputs.add(v.getName()));
        GraphProto.Builder g = model.getGraph().toBuilder();
        for (String t : new TreeSet<>(tensors)) {
            if (!inputs.contains(t) && !outputs.contains(t)) {
                g.addOutput(ValueInfoProto.newBuilder().setName(t));
            }
        }
        Map<String, Range> ranges = new LinkedHashMap<>();
        Range empty = new Range(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
        try (OrtModel ort = new OrtModel(model.toBuilder().setGraph(g).build(), "model file " + file + " (calibration)",
                OrtModel.cores())) {
            for (Map<String, Tensor> s : samples) {
                Map<String, Tensor> out = ort.run(s);
                for (String t : tensors) {
                    Tensor v = inputs.contains(t) ? s.get(t) : out.get(t);
                    if (v == null) {
                        throw new IllegalStateException("ONNX Runtime returned no tensor '" + t + "'");
                    }
                    ranges.put(t, ranges.getOrDefault(t, empty).with(v.data()));
                }
            }
        }
        return ranges;
    }
}
