package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import io.cnv2.ir.AvgPool;
import io.cnv2.ir.Conv;
import io.cnv2.ir.GlobalAvgPool;
import io.cnv2.ir.MaxPool;
import io.cnv2.ir.Op;
import io.cnv2.ir.PoolWindow;
import io.cnv2.ir.Reshape;
import io.cnv2.ir.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * Sliding-window ops: Conv and ConvTranspose (the accelerator's), MaxPool, AveragePool and
 * GlobalAveragePool (the host's, in fixed point); 1-D forms run as their 2-D equivalents over 1 x L.
 */
final class WindowOps {
    private WindowOps() {
    }

    static void register(Translators.Registry r) {
        r.add((t, name, n, at) -> {
            if (t.dynamicShape(n, 0).rank() == 3) {
                oneDimensional(t, name, n, t.first(n));
            } else {
                t.add(name, n, conv(t, n, at), List.of(t.first(n)));
            }
        }, "Conv");
        r.add((t, name, n, at) -> t.add(name, n, OnnxOps.convTranspose(at, t.dynamicShape(n, 0),
                t.required(n, 1, "weight"), t.constant(n, 2, "bias")), List.of(t.first(n))), "ConvTranspose");
        r.add((t, name, n, at) -> {
            if (t.dynamicShape(n, 0).rank() == 3) {
                oneDimensional(t, name, n, t.first(n));
            } else if (n.getOpType().equals("AveragePool")) {
                t.add(name, n, new AvgPool(window(t, n, at), at.integer("count_include_pad", 0) != 0), List.of(t.first(n)));
            } else {
                if (at.integer("storage_order", 0) != 0) {
                    throw t.error(name, n, "storage_order=1 is not supported");
                }
                t.add(name, n, new MaxPool(window(t, n, at)), List.of(t.first(n)));
            }
        }, "MaxPool", "AveragePool");
        r.add((t, name, n, at) -> t.add(name, n, new GlobalAvgPool(), List.of(t.first(n))), "GlobalAveragePool");
    }

    static Conv conv(Translation t, NodeProto n, Attributes at) {
        Shape x = t.dynamicShape(n, 0);
        if (x.rank() != 4) {
            throw new IllegalArgumentException("only 2-D convolutions (input rank 4) are supported, input is " + x);
        }
        Const w = t.required(n, 1, "weight");
        if (w.rank() != 4) {
            throw new IllegalArgumentException("weight must have rank 4, has shape " + Arrays.toString(w.dims()));
        }
        Const b = t.constant(n, 2, "bias");
        int ky = (int) w.dims()[2];
        int kx = (int) w.dims()[3];
        long[] strides = at.ints("strides", new long[] {1, 1});
        long[] dil = at.ints("dilations", new long[] {1, 1});
        int[] pads = pads(at, x, new int[] {ky, kx}, strides, dil);
        return new Conv((int) at.integer("group", 1), (int) strides[0], (int) strides[1], pads[0], pads[1], pads[2],
                pads[3], (int) dil[0], (int) dil[1], w.tensor(), b == null ? null : b.tensor());
    }

    /** Explicit pads (top, left, bottom, right) from pads or auto_pad (ONNX Conv and pooling rules). */
    static int[] pads(Attributes at, Shape x, int[] kernel, long[] strides, long[] dil) {
        String auto = at.string("auto_pad", "NOTSET");
        switch (auto) {
            case "NOTSET" -> {
                long[] p = at.ints("pads", new long[4]);
                if (p.length != 4) {
                    throw new IllegalArgumentException("pads must have 4 values for a 2-D op, has " + p.length);
                }
                return new int[] {(int) p[0], (int) p[1], (int) p[2], (int) p[3]};
            }
            case "VALID" -> {
                return new int[4];
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                int[] r = new int[4];
                for (int a = 0; a < 2; a++) {
                    int in = x.dim(2 + a);
                    int s = (int) strides[a];
                    int out = (in + s - 1) / s;
                    int total = Math.max(0, (out - 1) * s + (kernel[a] - 1) * (int) dil[a] + 1 - in);
                    int small = total / 2;
                    r[a] = auto.equals("SAME_UPPER") ? small : total - small;
                    r[a + 2] = total - r[a];
                }
                return r;
            }
            default -> throw new IllegalArgumentException("auto_pad '" + auto + "' is not an ONNX value");
        }
    }

    static PoolWindow window(Translation t, NodeProto n, Attributes at) {
        Shape x = t.dynamicShape(n, 0);
        if (x.rank() != 4) {
            throw new IllegalArgumentException("only 2-D pooling (input rank 4) is supported, input is " + x);
        }
        long[] k = at.ints("kernel_shape", null);
        if (k == null || k.length != 2) {
            throw new IllegalArgumentException("kernel_shape must give 2 values");
        }
        long[] dil = at.ints("dilations", new long[] {1, 1});
        if (dil[0] != 1 || dil[1] != 1) {
            throw new IllegalArgumentException("pooling dilations other than 1 are not supported");
        }
        long[] s = at.ints("strides", new long[] {1, 1});
        int[] p = pads(at, x, new int[] {(int) k[0], (int) k[1]}, s, dil);
        return new PoolWindow((int) k[0], (int) k[1], (int) s[0], (int) s[1], p[0], p[1], p[2], p[3],
                at.integer("ceil_mode", 0) != 0);
    }

    /**
     * A 1-D Conv or pool ([N, C, L]) as the 2-D one over [N, C, 1, L] that computes the same values: the
     * accelerator's convolution engine has two spatial axes, and a length-L signal is a 1 x L image
     * (kernel 1 x k, strides 1 x s, pads 0 and p, dilations 1 x d). Reshapes on either side keep the
     * ONNX tensor names and shapes; the conv or pool keeps the node's name.
     */
    static void oneDimensional(Translation t, String name, NodeProto n, String x) {
        Shape s = t.dynamicShape(n, 0);
        String flat = n.getOutput(0);
        String x2 = flat + "/as2d";
        t.add(name + "/as2d", n, new Reshape(Shape.of(s.dim(0), s.dim(1), 1, s.dim(2))), List.of(x), x2);
        NodeProto.Builder b = n.toBuilder().clearInput().clearAttribute().addInput(x2);
        for (int i = 1; i < n.getInputCount(); i++) {
            String in = n.getInput(i);
            if (i == 1 && n.getOpType().equals("Conv") && t.known(in)) {
                Const w = t.constantValue(t.resolve(in));
                if (w.rank() != 3) {
                    throw new IllegalArgumentException("a 1-D Conv weight must have rank 3, has "
                            + Arrays.toString(w.dims()));
                }
                String w2 = t.resolve(in) + "/as2d";
                t.putConstant(w2, new Const(new long[] {w.dims()[0], w.dims()[1], 1, w.dims()[2]}, w.data(), false));
                in = w2;
            }
            b.addInput(in);
        }
        for (var a : n.getAttributeList()) {
            var nb = a.toBuilder();
            switch (a.getName()) {
                case "kernel_shape", "strides", "dilations" -> {
                    if (a.getIntsCount() != 1) {
                        throw new IllegalArgumentException(a.getName() + " of a 1-D " + n.getOpType()
                                + " must have one value");
                    }
                    nb.clearInts().addInts(1).addInts(a.getInts(0));
                }
                case "pads" -> {
                    if (a.getIntsCount() != 2) {
                        throw new IllegalArgumentException("pads of a 1-D " + n.getOpType() + " must have two values");
                    }
                    nb.clearInts().addInts(0).addInts(a.getInts(0)).addInts(0).addInts(a.getInts(1));
                }
                default -> {
                }
            }
            b.addAttribute(nb);
        }
        NodeProto n2 = b.build();
        Attributes at2 = new Attributes(n2);
        String y2 = flat + "/2d";
        Op op = switch (n.getOpType()) {
            case "Conv" -> conv(t, n2, at2);
            case "MaxPool" -> {
                if (at2.integer("storage_order", 0) != 0) {
                    throw new IllegalArgumentException("storage_order=1 is not supported");
                }
                yield new MaxPool(window(t, n2, at2));
            }
            default -> new AvgPool(window(t, n2, at2), at2.integer("count_include_pad", 0) != 0);
        };
        t.add(name, n2, op, List.of(x2), y2);
        Shape out = t.shape(y2);
        t.add(name + "/as1d", n, new Reshape(Shape.of(out.dim(0), out.dim(1), out.dim(3))), List.of(y2), flat);
    }
}
