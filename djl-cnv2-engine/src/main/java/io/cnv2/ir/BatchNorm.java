package io.cnv2.ir;

import java.util.List;

/**
 * ONNX BatchNormalization in inference mode over [N, C, ...]. Folded into the conv that
 * produces its input at import (CNV2-MODEL.md section 2); a BatchNorm that follows no conv
 * stays as its per-channel affine form {@code y = x * scale' + shift'}.
 */
public record BatchNorm(Tensor scale, Tensor bias, Tensor mean, Tensor var, float epsilon) implements Op {
    public BatchNorm {
        int c = scale.shape().size();
        if (bias.shape().size() != c || mean.shape().size() != c || var.shape().size() != c) {
            throw new IrException("BatchNormalization parameters differ in length");
        }
    }

    public int channels() {
        return scale.shape().size();
    }

    /**
     * Per-channel multiplier scale / sqrt(var + eps), each step in float32 as PyTorch's ONNX
     * export folds BatchNorm into a conv (add, correctly rounded sqrt, divide): a model folded
     * by cnv2 and the same model folded by the exporter then have the same weights, bit for bit.
     */
    public float[] multiplier() {
        float[] m = new float[channels()];
        for (int c = 0; c < m.length; c++) {
            float sum = var.data()[c] + epsilon;
            m[c] = scale.data()[c] / (float) Math.sqrt(sum);
        }
        return m;
    }

    /** Per-channel offset bias - mean * multiplier. */
    public float[] offset() {
        float[] m = multiplier();
        float[] o = new float[channels()];
        for (int c = 0; c < o.length; c++) {
            o[c] = bias.data()[c] - mean.data()[c] * m[c];
        }
        return o;
    }

    @Override
    public String kind() {
        return "BatchNorm";
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        Shape s = in.get(0);
        if (s.rank() < 2 || s.dim(1) != channels()) {
            throw IrException.at(node, "BatchNormalization over " + channels() + " channels got input " + s);
        }
        return s;
    }

    @Override
    public Tensor apply(List<Tensor> in) {
        return FloatKernels.batchNorm(this, in.get(0));
    }
}
