package io.cnv2.ir;

import java.util.List;

/**
 * Fully connected layer: input [N, C] or [..., rows, C] (ONNX MatMul by a constant matrix, applied to
 * every row), weight [K, C] (ONNX Gemm with transB=1), optional bias [K]. The accelerator runs it as
 * a 1x1 conv on a 1x1 input (CNV2-MODEL.md section 3), or, with several rows, as a 1x1 conv over a
 * 1 x rows image whose channels are the C features: the same weights serve every row.
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

    /** Rows the layer is applied to: every position of the input but the last axis (1 for [1, C]). */
    public static int rows(Shape input) {
        return input.size() / input.dim(-1);
    }

    /** The accelerator's geometry on this input: fully connected, or a 1x1 conv over a 1 x rows image. */
    public ConvGeometry geometry(Shape input) {
        int rows = rows(input);
        // a [1, C] vector is a fully connected layer; any other shape (rows after a Transpose, tokens,
        // time steps) runs as a 1x1 conv over its rows, as ranks above 2 always did
        return input.rank() == 2 && rows == 1 ? geometry()
                : new ConvGeometry(inputs(), 1, rows, outputs(), 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1);
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
        if (s.rank() < 2) {
            throw IrException.at(node, "Dense input must have rank >= 2, has shape " + s);
        }
        if (s.dim(-1) != inputs()) {
            throw IrException.at(node, "Dense input has " + s.dim(-1) + " features, weight " + weight.shape()
                    + " expects " + inputs());
        }
        int[] d = s.dims();
        d[d.length - 1] = outputs();
        return new Shape(d);
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
