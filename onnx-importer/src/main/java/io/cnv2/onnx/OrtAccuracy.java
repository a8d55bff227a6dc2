package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.cnv2.accuracy.AccuracyRun;
import io.cnv2.ir.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Top-1 and top-5 of a model file as ONNX Runtime runs it (every core on one sample at a time): the
 * float and the quantised file of {@code cnv2 quantize} are judged by the same runtime, on the same
 * inputs, by the ranking rule of {@link AccuracyRun#rank}.
 */
public final class OrtAccuracy {
    private OrtAccuracy() {
    }

    /** Top-k of the model's first output against {@code labels} (-1: unlabelled, not counted). */
    public static AccuracyRun.TopK measure(ModelProto model, String what, List<Map<String, Tensor>> inputs,
                                           List<Integer> labels) {
        String output = model.getGraph().getOutput(0).getName();
        List<Tensor> outs = new ArrayList<>(inputs.size());
        try (OrtModel ort = new OrtModel(model, what, OrtModel.cores())) {
            for (Map<String, Tensor> in : inputs) {
                outs.add(ort.run(in).get(output));
            }
        }
        return AccuracyRun.topK(labels, outs);
    }
}
