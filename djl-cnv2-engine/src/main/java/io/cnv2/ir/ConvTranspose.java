package io.cnv2.ir;

import java.util.List;

/**
 * ONNX ConvTranspose (2-D): input [N, Cin, H, W], weight [Cin, Cout/groups, Ky, Kx], optional bias
 * [Cout]; explicit pads (top, left, bottom, right) and output padding once imported.
 *
 * <p>The accelerator runs it as the convolution it equals: the input with {@code stride - 1} zeros
 * inserted between neighbours ({@link #zeroInsertedShape}), padded by {@code dilation (K - 1) - pad}
 * on each side (plus the output padding at the bottom and right), with each filter flipped and the
 * roles of input and output channels swapped ({@link #equivalentConv}). The inserted zeros are
 * ineffectual activations: DaDianNao spends cycles on them, Cnvlutin's lanes skip them.
 */
public record ConvTranspose(int groups, int strideY, int strideX, int padTop, int padLeft, int padBottom,
                            int padRight, int outPadY, int outPadX, int dilationY, int dilationX, Tensor weight,
                            Tensor bias) implements Op {
    public ConvTranspose {
        if (weight.shape().rank() != 4) {
            throw new IrException("ConvTranspose weight must have rank 4 [Cin, Cout/groups, Ky, Kx], has "
                    + weight.shape());
        }
        if (groups < 1 || strideY < 1 || strideX < 1 || dilationY < 1 || dilationX < 1) {
            throw new IrException("ConvTranspose groups, strides and dilations must be >= 1");
        }
        if (weight.shape().dim(0) % groups != 0) {
            throw new IrException("ConvTranspose input channels (" + weight.shape().dim(0)
                    + ") not divisible by groups (" + groups + ")");
        }
        if (outPadY < 0 || outPadX < 0 || outPadY >= Math.max(strideY, dilationY)
                || outPadX >= Math.max(strideX, dilationX)) {
            throw new IrException("ConvTranspose output_padding must be >= 0 and below the stride or dilation");
        }
        int ky = dilationY * (weight.shape().dim(2) - 1);
        int kx = dilationX * (weight.shape().dim(3) - 1);
        if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0 || padTop > ky || padBottom > ky
                || padLeft > kx || padRight > kx) {
            // the equivalent convolution would need negative padding (a crop), which the accelerator has not
            throw new IrException("ConvTranspose pads must be in 0..dilation*(kernel-1) (" + ky + ", " + kx + ")");
        }
        int k = weight.shape().dim(1) * groups;
        if (bias != null && (bias.shape().rank() != 1 || bias.shape().dim(0) != k)) {
            throw new IrException("ConvTranspose bias must have shape [" + k + "], has " + bias.shape());
        }
    }

    /** Output channels. */
    public int filters() {
        return weight.shape().dim(1) * groups;
    }

    /** The input as the equivalent convolution reads it: (H - 1) stride + 1 rows, likewise columns. */
    public Shape zeroInsertedShape(Shape in) {
        return Shape.of(in.dim(0), in.dim(1), (in.dim(2) - 1) * strideY + 1, (in.dim(3) - 1) * strideX + 1);
    }

    /** Index in the zero-inserted input of every input element (row-major). */
    public int[] zeroInsertedIndex(Shape in) {
        int planes = in.dim(0) * in.dim(1);
        int h = in.dim(2);
        int w = in.dim(3);
        Shape z = zeroInsertedShape(in);
        int zh = z.dim(2);
        int zw = z.dim(3);
        int[] idx = new int[in.size()];
        int i = 0;
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    idx[i++] = (p * zh + y * strideY) * zw + x * strideX;
                }
            }
        }
        return idx;
    }

    /** The convolution over the zero-inserted input that computes this op. */
    public Conv equivalentConv() {
        int cin = weight.shape().dim(0);
        int coutG = weight.shape().dim(1);
        int cinG = cin / groups;
        int ky = weight.shape().dim(2);
        int kx = weight.shape().dim(3);
        float[] w = new float[weight.shape().size()];
        for (int g = 0; g < groups; g++) {
            for (int c = 0; c < cinG; c++) {
                for (int o = 0; o < coutG; o++) {
                    for (int y = 0; y < ky; y++) {
                        for (int x = 0; x < kx; x++) {
                            float v = weight.data()[(((g * cinG + c) * coutG + o) * ky + y) * kx + x];
                            w[(((g * coutG + o) * cinG + c) * ky + (ky - 1 - y)) * kx + (kx - 1 - x)] = v;
                        }
                    }
                }
            }
        }
        int ey = dilationY * (ky - 1);
        int ex = dilationX * (kx - 1);
        return new Conv(groups, 1, 1, ey - padTop, ex - padLeft, ey - padBottom + outPadY, ex - padRight + outPadX,
                dilationY, dilationX, new Tensor(Shape.of(filters(), cinG, ky, kx), w), bias);
    }

    @Override
    public String kind() {
        return "ConvTranspose";
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        Shape x = in.get(0);
        Op.requireRank(node, "ConvTranspose input", x, 4);
        if (x.dim(1) != weight.shape().dim(0)) {
            throw IrException.at(node, "ConvTranspose input has " + x.dim(1) + " channels but weight "
                    + weight.shape() + " expects " + weight.shape().dim(0));
        }
        ConvGeometry g = equivalentConv().geometry(node, zeroInsertedShape(x));
        return Shape.of(x.dim(0), filters(), g.outY(), g.outX());
    }

    @Override
    public Tensor apply(List<Tensor> in) {
        Tensor x = in.get(0);
        float[] z = new float[zeroInsertedShape(x.shape()).size()];
        int[] idx = zeroInsertedIndex(x.shape());
        for (int i = 0; i < idx.length; i++) {
            z[idx[i]] = x.data()[i];
        }
        return FloatKernels.conv(equivalentConv(), new Tensor(zeroInsertedShape(x.shape()), z));
    }

    /** Real multiply-accumulates: each input value times each of its weights (the inserted zeros are not work). */
    @Override
    public long macs(List<Shape> inputs, Shape output) {
        return (long) inputs.get(0).size() * weight.shape().dim(1) * weight.shape().dim(2) * weight.shape().dim(3);
    }
}
