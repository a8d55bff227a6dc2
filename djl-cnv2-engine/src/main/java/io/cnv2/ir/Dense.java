package io.cnv2.ir;

import java.util.List;

/**
 * Fully connected layer: input [N, C], weight [K, C] (ONNX Gemm with transB=1), optional bias [K].
 * The accelerator runs it as a 1x1 conv on a 1x1 input (CNV2-MODEL.md section 3).
 */
public record Dense(Tensor weight, Tensor bias) implements Op {
    public Dense {
        if (weight.shape().rank() != 2) {
            throw new IrException("Dense weight must have rank 2 [K, C], has " + weight.shape());
        }
        if (bias != null && (bias.shape().rank() != 1 || bias.shape().dim(0) != weight.shape().dim(0))) {
            throw new IrException("Dense bias must have shape [" + weight.shape().dim(0) + "], has " + bias.shape());
        }
    }

    public int outputs() {
        return weight.shape().dim(0);
    }

    public int inputs() {
        return weight.shape().dim(1);
    }

    public ConvGeometry geometry() {
        return ConvGeometry.fullyConnected(inputs(), outputs());
    }

    @Override
    public String kind() {
        return "Dense";
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        Shape s = in.get(0);
        Op.requireRank(node, "Dense input", s, 2);
        if (s.dim(1) != inputs()) {
            throw IrException.at(node, "Dense input has " + s.dim(1) + " features, weight " + weight.shape()
                    + " expects " + inputs());
        }
        return Shape.of(s.dim(0), outputs());
    }

    @Override
    public Tensor apply(List<Tensor> in) {
        return FloatKernels.dense(this, in.get(0));
    }

    @Override
    public long macs(List<Shape> inputs, Shape output) {
        return (long) output.size() * inputs();
    }
}
