package io.cnv2.torchscript;

import java.util.ArrayList;
import java.util.List;

/**
 * Convolutions, 1-D and 2-D, grouped and transposed, as ONNX Conv and ConvTranspose with the
 * attributes PyTorch's exporter writes (kernel_shape, strides, pads begin-then-end, dilations,
 * group). Output sizes follow PyTorch's formulas (torch.nn.Conv2d and ConvTranspose2d docs).
 */
final class ConvOps {
    private ConvOps() {
    }

    static void register(Ops r) {
        r.add(c -> conv(c, false, 3, 4, 5, -1, 6), "conv1d", "conv2d", "conv3d");
        r.add(c -> conv(c, c.bool(6, "transposed", false), 3, 4, 5, 7, 8), "_convolution", "convolution");
        r.add(c -> conv(c, true, 3, 4, 7, 5, 6), "conv_transpose1d", "conv_transpose2d", "conv_transpose3d");
    }

    /** Argument positions differ between the schemas; each is given by index. */
    private static TVal conv(OpCall c, boolean transposed, int iStride, int iPad, int iDil, int iOutPad, int iGroups) {
        TVal x = c.tensor(0, "input");
        TVal w = c.tensor(1, "weight");
        Object bias = c.arg(2, "bias", Values.NONE);
        int spatial = w.rank() - 2;
        if (spatial < 1 || x.rank() != spatial + 2) {
            throw new TranslationException(c.op() + ": input of shape " + x.shapeString() + " with weight of shape "
                    + w.shapeString() + " (a batch dimension is needed)");
        }
        long[] stride = expand(c.has(iStride, "stride") ? c.ints(iStride, "stride") : new long[] {1}, spatial);
        long[] dil = expand(c.has(iDil, "dilation") ? c.ints(iDil, "dilation") : new long[] {1}, spatial);
        long groups = c.has(iGroups, "groups") ? c.integer(iGroups, "groups") : 1;
        long[] outPad = iOutPad >= 0 && c.has(iOutPad, "output_padding") ? expand(c.ints(iOutPad, "output_padding"), spatial)
                : new long[spatial];
        int[] k = new int[spatial];
        for (int i = 0; i < spatial; i++) {
            k[i] = w.shape()[2 + i];
        }
        long[] pads = new long[2 * spatial];
        Object p = c.arg(iPad, "padding", 0L);
        if (p instanceof String mode) {
            if (mode.equals("same")) {
                for (int i = 0; i < spatial; i++) {
                    long total = dil[i] * (k[i] - 1);
                    pads[i] = total / 2;
                    pads[i + spatial] = total - total / 2; // PyTorch pads the extra one at the end
                }
            } else if (!mode.equals("valid")) {
                throw new TranslationException(c.op() + ": padding '" + mode + "'");
            }
        } else {
            // absent: the schema's default, 0 (torch.conv2d(x, w, b), as torch.jit.script prints F.conv2d(x, w, b))
            long[] p1 = expand(c.has(iPad, "padding") ? c.ints(iPad, "padding") : new long[] {0}, spatial);
            for (int i = 0; i < spatial; i++) {
                pads[i] = p1[i];
                pads[i + spatial] = p1[i];
            }
        }
        int[] out = new int[spatial + 2];
        out[0] = x.shape()[0];
        out[1] = transposed ? (int) (w.shape()[1] * groups) : w.shape()[0];
        for (int i = 0; i < spatial; i++) {
            long in = x.shape()[2 + i];
            if (stride[i] < 1 || dil[i] < 1 || pads[i] < 0 || pads[i + spatial] < 0 || groups < 1) {
                throw new TranslationException(c.op() + ": stride " + stride[i] + ", dilation " + dil[i] + ", padding "
                        + pads[i] + ", groups " + groups);
            }
            long o = transposed ? (in - 1) * stride[i] - pads[i] - pads[i + spatial] + dil[i] * (k[i] - 1) + outPad[i] + 1
                    : (in + pads[i] + pads[i + spatial] - dil[i] * (k[i] - 1) - 1) / stride[i] + 1;
            if (o < 1 || o > Integer.MAX_VALUE) {
                throw new TranslationException(c.op() + ": input of shape " + x.shapeString() + " is too small for a kernel "
                        + "of shape " + w.shapeString());
            }
            out[2 + i] = (int) o;
        }
        int channelsIn = transposed ? w.shape()[0] : (int) (w.shape()[1] * groups);
        if (x.shape()[1] != channelsIn) {
            throw new TranslationException(c.op() + ": input has " + x.shape()[1] + " channels, the weight of shape "
                    + w.shapeString() + " expects " + channelsIn);
        }
        List<Object> in = new ArrayList<>(List.of(x, w));
        if (!Values.isNone(bias)) {
            in.add(bias);
        }
        List<ai.onnx.proto.OnnxMl.AttributeProto> at = new ArrayList<>();
        at.add(OnnxBuilder.ints("dilations", dil));
        at.add(OnnxBuilder.i("group", groups));
        at.add(OnnxBuilder.ints("kernel_shape", k));
        if (transposed) {
            at.add(OnnxBuilder.ints("output_padding", outPad));
        }
        at.add(OnnxBuilder.ints("pads", pads));
        at.add(OnnxBuilder.ints("strides", stride));
        return c.node(transposed ? "ConvTranspose" : "Conv", in, out, TVal.Type.FLOAT, at.toArray(new ai.onnx.proto.OnnxMl.AttributeProto[0]));
    }

    /** PyTorch accepts one value for every spatial axis. */
    static long[] expand(long[] v, int n) {
        if (n < 1) {
            throw new TranslationException("expected values for " + n + " spatial dimensions");
        }
        if (v.length == n) {
            return v;
        }
        if (v.length == 1) {
            long[] out = new long[n];
            java.util.Arrays.fill(out, v[0]);
            return out;
        }
        throw new TranslationException("expected " + n + " values, got " + java.util.Arrays.toString(v));
    }
}
