package io.cnv2.torchscript;

import java.util.List;

/**
 * Pooling, 1-D and 2-D: max and average pooling with PyTorch's output sizes (ceil_mode included),
 * adaptive pooling to one value as GlobalAveragePool / GlobalMaxPool, and adaptive average pooling
 * to a size that divides the input as an AveragePool (what PyTorch's exporter does); other
 * adaptive sizes have no fixed window and are refused by name.
 */
final class PoolOps {
    private PoolOps() {
    }

    static void register(Ops r) {
        r.add(c -> pool(c, "MaxPool"), "max_pool1d", "max_pool2d", "max_pool3d");
        r.add(c -> {
            TVal v = pool(c, "MaxPool");
            return new Values.Tuple(List.of(v, new Values.Poison("max_pool2d_with_indices")));
        }, "max_pool2d_with_indices", "max_pool1d_with_indices");
        r.add(c -> pool(c, "AveragePool"), "avg_pool1d", "avg_pool2d", "avg_pool3d");
        r.add(c -> adaptive(c, "GlobalAveragePool", "AveragePool"), "adaptive_avg_pool1d", "adaptive_avg_pool2d");
        r.add(c -> {
            TVal v = adaptive(c, "GlobalMaxPool", "MaxPool");
            return new Values.Tuple(List.of(v, new Values.Poison("adaptive_max_pool2d indices")));
        }, "adaptive_max_pool1d", "adaptive_max_pool2d");
    }

    private static TVal pool(OpCall c, String onnx) {
        TVal x = c.tensor(0, "self");
        int spatial = x.rank() - 2;
        if (spatial < 1) {
            throw new TranslationException(c.op() + " of a tensor of shape " + x.shapeString() + " (a batch dimension is needed)");
        }
        long[] k = ConvOps.expand(c.ints(1, "kernel_size"), spatial);
        long[] s = c.isNone(2, "stride") || c.ints(2, "stride").length == 0 ? k : ConvOps.expand(c.ints(2, "stride"), spatial);
        long[] p = c.has(3, "padding") ? ConvOps.expand(c.ints(3, "padding"), spatial) : new long[spatial];
        boolean max = onnx.equals("MaxPool");
        long[] d = max && c.has(4, "dilation") ? ConvOps.expand(c.ints(4, "dilation"), spatial) : ones(spatial);
        boolean ceil = c.bool(max ? 5 : 4, "ceil_mode", false);
        boolean countPad = !max && c.bool(5, "count_include_pad", true);
        if (!max && c.has(6, "divisor_override") && !c.isNone(6, "divisor_override")) {
            throw new TranslationException("avg_pool with divisor_override is not supported");
        }
        int[] out = x.shape().clone();
        long[] pads = new long[2 * spatial];
        for (int i = 0; i < spatial; i++) {
            long in = x.shape()[2 + i];
            if (s[i] < 1 || k[i] < 1 || d[i] < 1 || p[i] < 0) {
                throw new TranslationException(c.op() + ": window " + k[i] + ", stride " + s[i] + ", dilation " + d[i]
                        + ", padding " + p[i]);
            }
            if (p[i] > ((k[i] - 1) * d[i] + 1) / 2) {
                // PyTorch: "pad should be at most half of effective kernel size" (a window of padding alone)
                throw new TranslationException(c.op() + ": padding " + p[i] + " is more than half the window of " + k[i]
                        + (d[i] > 1 ? " at dilation " + d[i] : ""));
            }
            long span = in + 2 * p[i] - d[i] * (k[i] - 1) - 1;
            long o = (ceil ? Math.floorDiv(span + s[i] - 1, s[i]) : Math.floorDiv(span, s[i])) + 1;
            if (ceil && (o - 1) * s[i] >= in + p[i]) {
                o--; // PyTorch: the last window must start inside the input or its left padding
            }
            if (o < 1 || o > Integer.MAX_VALUE || s[i] < 1 || k[i] < 1) {
                throw new TranslationException(c.op() + ": window " + k[i] + ", stride " + s[i] + ", padding " + p[i]
                        + " on a dimension of " + in);
            }
            out[2 + i] = (int) o;
            pads[i] = p[i];
            pads[i + spatial] = p[i];
        }
        java.util.List<ai.onnx.proto.OnnxMl.AttributeProto> at = new java.util.ArrayList<>();
        at.add(OnnxBuilder.i("ceil_mode", ceil ? 1 : 0));
        if (!max) {
            at.add(OnnxBuilder.i("count_include_pad", countPad ? 1 : 0));
        }
        if (max && java.util.Arrays.stream(d).anyMatch(v -> v != 1)) {
            at.add(OnnxBuilder.ints("dilations", d));
        }
        at.add(OnnxBuilder.ints("kernel_shape", k));
        at.add(OnnxBuilder.ints("pads", pads));
        at.add(OnnxBuilder.ints("strides", s));
        return c.node(onnx, List.of(x), out, x.type(), at.toArray(new ai.onnx.proto.OnnxMl.AttributeProto[0]));
    }

    private static long[] ones(int n) {
        long[] o = new long[n];
        java.util.Arrays.fill(o, 1);
        return o;
    }

    private static TVal adaptive(OpCall c, String global, String windowed) {
        TVal x = c.tensor(0, "self");
        int spatial = x.rank() - 2;
        if (spatial < 1) {
            throw new TranslationException(c.op() + " of a tensor of shape " + x.shapeString() + " (a batch dimension is needed)");
        }
        long[] size = ConvOps.expand(c.ints(1, "output_size"), spatial);
        int[] out = x.shape().clone();
        boolean allOne = true;
        for (int i = 0; i < spatial; i++) {
            out[2 + i] = (int) size[i];
            allOne &= size[i] == 1;
        }
        if (allOne) {
            return c.node(global, List.of(x), out, x.type());
        }
        long[] k = new long[spatial];
        for (int i = 0; i < spatial; i++) {
            long in = x.shape()[2 + i];
            if (size[i] <= 0 || in % size[i] != 0) {
                throw new TranslationException(c.op() + " from " + in + " to " + size[i] + ": windows of unequal sizes "
                        + "have no fixed-kernel equivalent");
            }
            k[i] = in / size[i];
        }
        java.util.List<ai.onnx.proto.OnnxMl.AttributeProto> at = new java.util.ArrayList<>();
        at.add(OnnxBuilder.ints("kernel_shape", k));
        at.add(OnnxBuilder.ints("strides", k));
        return c.node(windowed, List.of(x), out, x.type(), at.toArray(new ai.onnx.proto.OnnxMl.AttributeProto[0]));
    }
}
