package io.cnv2.ir;

import java.util.List;

/**
 * 2-D convolution, ONNX {@code Conv} semantics: input [N, C, H, W], weight [K, C/groups, Ky, Kx],
 * optional bias [K]. Pads are explicit (top, left, bottom, right) once imported.
 */
public record Conv(int groups, int strideY, int strideX, int padTop, int padLeft, int padBottom,
                   int padRight, int dilationY, int dilationX, Tensor weight, Tensor bias) implements Op {

    public Conv {
        if (weight.shape().rank() != 4) {
            throw new IrException("Conv weight must have rank 4 [K, C/groups, Ky, Kx], has " + weight.shape());
        }
        if (groups < 1 || strideY < 1 || strideX < 1 || dilationY < 1 || dilationX < 1) {
            throw new IrException("Conv groups, strides and dilations must be >= 1");
        }
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new IrException("Conv pads must be >= 0");
        }
        int k = weight.shape().dim(0);
        if (k % groups != 0) {
            throw new IrException("Conv filters (" + k + ") not divisible by groups (" + groups + ")");
        }
        if (bias != null && (bias.shape().rank() != 1 || bias.shape().dim(0) != k)) {
            throw new IrException("Conv bias must have shape [" + k + "], has " + bias.shape());
        }
    }

    public int filters() {
        return weight.shape().dim(0);
    }

    public int kernelY() {
        return weight.shape().dim(2);
    }

    public int kernelX() {
        return weight.shape().dim(3);
    }

    /** The geometry of this conv on an input of the given shape (checked). */
    public ConvGeometry geometry(String node, Shape input) {
        Op.requireRank(node, "Conv input", input, 4);
        int c = input.dim(1);
        int cPerGroup = weight.shape().dim(1);
        if (c != cPerGroup * groups) {
            throw IrException.at(node, "Conv input has " + c + " channels but weight " + weight.shape()
                    + " with groups=" + groups + " expects " + cPerGroup * groups);
        }
        ConvGeometry g = new ConvGeometry(c, input.dim(2), input.dim(3), filters(), kernelY(), kernelX(),
                strideY, strideX, padTop, padLeft, padBottom, padRight, dilationY, dilationX, groups);
        if (g.outY() < 1 || g.outX() < 1) {
            throw IrException.at(node, "Conv output would be empty for input " + input);
        }
        return g;
    }

    @Override
    public String kind() {
        return "Conv";
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape inferShape(String node, List<Shape> inputs) {
        ConvGeometry g = geometry(node, inputs.get(0));
        return Shape.of(inputs.get(0).dim(0), g.filters(), g.outY(), g.outX());
    }

    @Override
    public Tensor apply(List<Tensor> inputs) {
        return FloatKernels.conv(this, inputs.get(0));
    }

    @Override
    public long macs(List<Shape> inputs, Shape output) {
        return (long) output.size() * weight.shape().dim(1) * kernelY() * kernelX();
    }

    public Conv withWeights(Tensor w, Tensor b) {
        return new Conv(groups, strideY, strideX, padTop, padLeft, padBottom, padRight, dilationY, dilationX, w, b);
    }
}
