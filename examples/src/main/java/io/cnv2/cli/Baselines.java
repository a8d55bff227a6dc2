package io.cnv2.cli;

import io.cnv2.accuracy.AccuracyRun;
import io.cnv2.data.Sample;
import io.cnv2.exec.FloatPass;
import io.cnv2.ir.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The honest baselines of issue 21: a pruned or thresholded figure stands beside the original
 * model's float top-1 on the same images, and a drop past a chosen margin is said in a warning.
 */
final class Baselines {
    private Baselines() {
    }

    /**
     * Float top-k of the model as loaded, before {@code --prune}, on the same images, from its float
     * authority (ONNX Runtime on the file for ONNX models, libtorch for TorchScript).
     */
    static AccuracyRun.TopK originalFloat(SessionOptions.Session s, List<Sample> samples) {
        FloatPass pass = new FloatPass(s.original());
        String in = s.original().inputs().get(0).name();
        String out = s.original().outputs().get(0);
        List<Integer> labels = new ArrayList<>();
        List<Tensor> outs = new ArrayList<>();
        for (Sample x : samples) {
            labels.add(x.label());
            outs.add(pass.run(Map.of(in, x.input()), Set.of(out)).get(out));
        }
        return AccuracyRun.topK(labels, outs);
    }

    /** A warning when {@code top1} is more than {@code maxDrop} points below {@code reference}, else null. */
    static String drop(String what, double top1, double reference, double maxDrop, String cause) {
        double points = 100 * (reference - top1);
        if (Double.isNaN(points) || points <= maxDrop) {
            return null;
        }
        return String.format(java.util.Locale.ROOT, "%s: top-1 %.2f points below the float top-1 of the original model "
                + "(%s) on these images, more than --max-drop %.2f", what, points, cause, maxDrop);
    }
}
