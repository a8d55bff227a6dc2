package io.cnv2.ir;

import java.util.List;

/**
 * ONNX LayerNormalization (opset 17): over the axes from {@code axis} to the last, y = (x -
 * mean) / sqrt(variance + epsilon) * scale + bias, with the population variance; {@code scale}
 * and {@code bias} (may be null) hold the normalised axes' shape. Like Softmax it runs on the host
 * in float (its output quantised to its calibrated format): a normalisation divides by a
 * data-dependent square root, which the accelerator's datapath does not do (CNV2-MODEL.md
 * section 2, item 8; docs/FIXED-POINT.md).
 */
public record LayerNorm(int axis, float epsilon, Tensor scale, Tensor bias) implements Op {
    @Override
    public String kind() {
        return "LayerNormalization";
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        Shape s = in.get(0);
        if (axis < 0 || axis >= s.rank()) {
            throw IrException.at(node, "LayerNormalization axis " + axis + " out of range for " + s);
        }
        int inner = inner(s);
        if (scale.shape().size() != inner || bias != null && bias.shape().size() != inner) {
            throw IrException.at(node, "LayerNormalization scale and bias must hold the " + inner
                    + " values of the normalised axes of " + s);
        }
        if (!(epsilon >= 0)) {
            throw IrException.at(node, "LayerNormalization epsilon must be >= 0, got " + epsilon);
        }
        return s;
    }

    private int inner(Shape s) {
        int inner = 1;
        for (int d = axis; d < s.rank(); d++) {
            inner *= s.dim(d);
        }
        return inner;
    }

    @Override
    public Tensor apply(List<Tensor> in) {
        Tensor x = in.get(0);
        int inner = inner(x.shape());
        int outer = inner == 0 ? 0 : x.data().length / inner;
        float[] y = new float[x.data().length];
        for (int o = 0; o < outer; o++) {
            int base = o * inner;
            double mean = 0;
            for (int i = 0; i < inner; i++) {
                mean += x.data()[base + i];
            }
            mean /= inner;
            double var = 0;
            for (int i = 0; i < inner; i++) {
                double d = x.data()[base + i] - mean;
                var += d * d;
            }
            var /= inner;
            double inv = 1 / Math.sqrt(var + epsilon);
            for (int i = 0; i < inner; i++) {
                double v = (x.data()[base + i] - mean) * inv * scale.data()[i];
                y[base + i] = (float) (bias == null ? v : v + bias.data()[i]);
            }
        }
        return new Tensor(x.shape(), y);
    }
}
