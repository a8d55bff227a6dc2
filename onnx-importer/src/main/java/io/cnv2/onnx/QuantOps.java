package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import io.cnv2.fixed.Affine;
import io.cnv2.fixed.IntType;
import io.cnv2.fixed.IntegerOutput;
import io.cnv2.ir.Conv;
import io.cnv2.ir.Dense;
import io.cnv2.ir.QuantisedLayer;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * The integer layers of quantised models, the accelerator's layers with the model's own integers
 * (docs/FIXED-POINT.md, "Quantised models"): QLinearConv, QLinearMatMul, and ONNX Runtime's QGemm
 * (com.microsoft; what its QDQ fusion makes of a quantised Gemm, and what its quantiser writes in
 * operator form). A QDQ model's DequantizeLinear -> Conv/MatMul/Gemm -> QuantizeLinear groups reach
 * here as these ops through {@link QdqFusion}. Weights are held less their zero points; the output
 * multiplier is computed in float32 as ONNX Runtime's kernels compute it.
 */
final class QuantOps {
    /** Ops that take integer activations: {@link GraphTranslator} does not send them to the host for that. */
    static final java.util.Set<String> INTEGER_INPUTS = java.util.Set.of("QLinearConv", "QLinearMatMul", "QGemm",
            "ConvInteger", "MatMulInteger");

    private QuantOps() {
    }

    static void register(Translators.Registry r) {
        r.add(QuantOps::qlinearConv, "QLinearConv");
        r.add(QuantOps::qlinearMatMul, "QLinearMatMul");
        r.add(QuantOps::qgemm, "QGemm");
        r.add(QuantOps::convInteger, "ConvInteger");
        r.add(QuantOps::matMulInteger, "MatMulInteger");
    }

    /**
     * ConvInteger(x, w, x_zero_point, w_zero_point): the int32 sums, which the host reads through a
     * Cast to float (ONNX Runtime's dynamic quantisation: DynamicQuantizeLinear -> ConvInteger -> Cast
     * -> Mul by x_scale * w_scale -> Add bias). The layer's output is the sum as the Cast makes it.
     */
    private static void convInteger(Translation t, String name, NodeProto n, Attributes at) {
        Const w = t.required(n, 1, "w");
        if (w.rank() != 4) {
            throw new IllegalArgumentException("only 2-D convolutions are supported: w has shape " + Arrays.toString(w.dims()));
        }
        int k = (int) w.dims()[0];
        float[] wz = perFilter(t.constant(n, 3, "zero point"), k, "w_zero_point");
        Tensor centred = centre(w, wz, t.typeOf(n.getInput(1)), "w");
        NodeProto asConv = n.toBuilder().clearInput().addInput(n.getInput(0)).addInput(n.getInput(1)).build();
        Conv c = WindowOps.conv(t, asConv, at).withWeights(centred, null);
        raw(t, name, n, c, k, ints(wz), intType(t.typeOf(n.getInput(1)), "w"));
    }

    /** MatMulInteger(A, B, a_zero_point, b_zero_point) with B a constant [C, K]; the int32 sums as ConvInteger's. */
    private static void matMulInteger(Translation t, String name, NodeProto n, Attributes at) {
        Const b = t.required(n, 1, "B");
        if (b.rank() != 2 || t.dynamicShape(n, 0).rank() < 2) {
            throw new IllegalArgumentException("MatMulInteger runs on the accelerator as A [..., C] by a constant B [C, K]");
        }
        int k = (int) b.dims()[1];
        float[] bz = perFilter(t.constant(n, 3, "zero point"), k, "b_zero_point");
        Tensor centred = centreRows(DenseOps.transpose(b), bz, t.typeOf(n.getInput(1)), "B");
        raw(t, name, n, new Dense(centred, null), k, ints(bz), intType(t.typeOf(n.getInput(1)), "B"));
    }

    /**
     * A raw integer layer: read by a Cast to float only (else ONNX Runtime runs it on the host), its
     * input zero point a constant or, after a DynamicQuantizeLinear, that node's computed zero point and
     * scale, read per sample.
     */
    private static void raw(Translation t, String name, NodeProto n, io.cnv2.ir.Op layer, int k, int[] weightZeroPoints,
                            IntType weightType) {
        String out = n.getOutput(0);
        List<NodeProto> readers = t.onnxReaders(out);
        if (readers.isEmpty() || t.isGraphOutput(out) || !readers.stream().allMatch(r -> r.getOpType().equals("Cast")
                && new Attributes(r).integer("to", 0) == Tensors.FLOAT)) {
            throw new IllegalArgumentException("its int32 output is read by more than a Cast to float; ONNX Runtime "
                    + "runs it");
        }
        String x = t.first(n);
        IntType type = intType(t.typeOf(n.getInput(0)), "the input");
        String zp = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? t.resolve(n.getInput(2)) : "";
        NodeProto dq = t.onnxProducer(n.getInput(0));
        boolean dynamic = dq != null && dq.getOpType().equals("DynamicQuantizeLinear")
                && (zp.isEmpty() || zp.equals(t.resolve(dq.getOutput(2))));
        QuantisedLayer q;
        if (dynamic) {
            // x_scale and x_zero_point computed per sample by the DynamicQuantizeLinear
            q = new QuantisedLayer(layer, IntegerOutput.raw(new Affine(1f, 0, type), k).withWeights(ones(k), weightZeroPoints, weightType), true);
            t.add(name, n, q, List.of(x, t.resolve(dq.getOutput(2)), t.resolve(dq.getOutput(1))));
        } else {
            if (!zp.isEmpty() && !t.known(zp)) {
                throw new IllegalArgumentException("its input zero point is computed by something other than a "
                        + "DynamicQuantizeLinear");
            }
            Const z = zp.isEmpty() ? null : t.constantValue(zp);
            if (z != null && z.data().length != 1) {
                throw new IllegalArgumentException("the input zero point must be a scalar");
            }
            // no scale in the model: thresholds count in the integers' own units
            q = new QuantisedLayer(layer, IntegerOutput.raw(new Affine(1f, z == null ? 0 : (int) z.data()[0], type), k)
                    .withWeights(ones(k), weightZeroPoints, weightType));
            t.add(name, n, q, List.of(x));
        }
        t.setElemType(out, Tensors.INT32);
        t.markDequantised(out);
    }

    /** QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B). */
    private static void qlinearConv(Translation t, String name, NodeProto n, Attributes at) {
        Affine x = affine(t, n, 0, 1, 2, "x");
        Affine y = affine(t, n, 0, 6, 7, "y");
        Const w = t.required(n, 3, "w");
        if (w.rank() != 4) {
            throw new IllegalArgumentException("only 2-D convolutions are supported: w has shape " + Arrays.toString(w.dims()));
        }
        int k = (int) w.dims()[0];
        float[] ws = perFilter(t.required(n, 4, "w_scale"), k, "w_scale");
        float[] wz = perFilter(zeroPoint(t, n, 5), k, "w_zero_point");
        Tensor centred = centre(w, wz, t.typeOf(n.getInput(3)), "w");
        int[] bias = bias(t, n, 8, k);
        // the float Conv shape of the layer, its weights the centred integers (exact in float)
        NodeProto asConv = n.toBuilder().clearInput().addInput(n.getInput(0)).addInput(n.getInput(3)).build();
        Conv geometry = WindowOps.conv(t, asConv, at);
        Conv c = geometry.withWeights(centred, null);
        add(t, name, n, c, new IntegerOutput(x, bias, multipliers(x.scale(), ws, y.scale(), 1f), y).withWeights(ws, ints(wz),
                intType(t.typeOf(n.getInput(3)), "w")));
    }

    /** QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp) with b constant [C, K]. */
    private static void qlinearMatMul(Translation t, String name, NodeProto n, Attributes at) {
        Affine a = affine(t, n, 0, 1, 2, "a");
        Affine y = affine(t, n, 0, 6, 7, "y");
        Const b = t.required(n, 3, "b");
        if (b.rank() != 2) {
            throw new IllegalArgumentException("b must be a constant matrix, has shape " + Arrays.toString(b.dims()));
        }
        Shape s = t.dynamicShape(n, 0);
        if (s.rank() < 2) {
            throw new IllegalArgumentException("a must have rank >= 2, has shape " + s);
        }
        int k = (int) b.dims()[1];
        float[] bs = perFilter(t.required(n, 4, "b_scale"), k, "b_scale");
        float[] bz = perFilter(zeroPoint(t, n, 5), k, "b_zero_point");
        // [C, K] with per-column zero points, as the accelerator's [K, C]
        Tensor w = DenseOps.transpose(b);
        Tensor centred = centreRows(w, bz, t.typeOf(n.getInput(3)), "b");
        add(t, name, n, new Dense(centred, null), new IntegerOutput(a, new int[k], multipliers(a.scale(), bs, y.scale(), 1f), y)
                .withWeights(bs, ints(bz), intType(t.typeOf(n.getInput(3)), "b")));
    }

    /**
     * QGemm(A, a_scale, a_zp, B, b_scale, b_zp, C, y_scale, y_zp) of ONNX Runtime's contrib domain,
     * with an integer output (y_scale given), transA = 0, B constant.
     */
    private static void qgemm(Translation t, String name, NodeProto n, Attributes at) {
        if (n.getInputCount() < 8 || n.getInput(7).isEmpty()) {
            throw new IllegalArgumentException("a QGemm without y_scale has a float output; cnv2 runs integer outputs");
        }
        if (at.integer("transA", 0) != 0) {
            throw new IllegalArgumentException("transA=1 is not supported");
        }
        Affine a = affine(t, n, 0, 1, 2, "A");
        Affine y = affine(t, n, 0, 7, 8, "y");
        Const b = t.required(n, 3, "B");
        if (b.rank() != 2) {
            throw new IllegalArgumentException("B must be a constant matrix, has shape " + Arrays.toString(b.dims()));
        }
        Tensor w = at.integer("transB", 0) != 0 ? b.tensor() : DenseOps.transpose(b);
        int k = w.shape().dim(0);
        float[] bs = perFilter(t.required(n, 4, "b_scale"), k, "b_scale");
        float[] bz = perFilter(zeroPoint(t, n, 5), k, "b_zero_point");
        Tensor centred = centreRows(w, bz, t.typeOf(n.getInput(3)), "B");
        int[] bias = bias(t, n, 6, k);
        add(t, name, n, new Dense(centred, null), new IntegerOutput(a, bias,
                multipliers(a.scale(), bs, y.scale(), at.real("alpha", 1f)), y).withWeights(bs, ints(bz),
                intType(t.typeOf(n.getInput(3)), "B")));
    }

    private static void add(Translation t, String name, NodeProto n, io.cnv2.ir.Op layer, IntegerOutput out) {
        t.add(name, n, new QuantisedLayer(layer, out, false, n.getOpType()), List.of(t.first(n)));
        t.setElemType(n.getOutput(0), out.output().type() == IntType.UINT8 ? Tensors.UINT8 : Tensors.INT8);
    }

    /**
     * The output multipliers as ONNX Runtime's kernels compute them in float32: x_scale * w_scale_k
     * / y_scale, left to right (alpha, QGemm's, multiplies first; 1 elsewhere).
     */
    static float[] multipliers(float xs, float[] ws, float ys, float alpha) {
        float[] m = new float[ws.length];
        for (int k = 0; k < m.length; k++) {
            m[k] = alpha == 1f ? xs * ws[k] / ys : alpha * xs * ws[k] / ys;
        }
        return m;
    }

    /** The quantisation of a tensor from its scale and zero-point inputs (scalars). */
    private static Affine affine(Translation t, NodeProto n, int tensor, int scale, int zp, String what) {
        Const s = t.required(n, scale, what + "_scale");
        if (s.data().length != 1) {
            throw new IllegalArgumentException(what + "_scale must be a scalar (per-tensor), has " + s.data().length
                    + " values");
        }
        Const z = zeroPoint(t, n, zp);
        if (z != null && z.data().length != 1) {
            throw new IllegalArgumentException(what + "_zero_point must be a scalar, has " + z.data().length + " values");
        }
        IntType type = intType(z != null ? t.typeOf(n.getInput(zp)) : t.typeOf(n.getInput(tensor)), what);
        return new Affine((float) s.data()[0], z == null ? 0 : (int) z.data()[0], type);
    }

    private static Const zeroPoint(Translation t, NodeProto n, int i) {
        return t.constant(n, i, "zero point");
    }

    static IntType intType(int onnxType, String what) {
        return switch (onnxType) {
            case Tensors.UINT8 -> IntType.UINT8;
            case Tensors.INT8 -> IntType.INT8;
            default -> throw new IllegalArgumentException(what + " is " + OrtTensors.typeName(onnxType)
                    + "; cnv2's integer layers take uint8 and int8");
        };
    }

    private static int[] ints(float[] v) {
        int[] i = new int[v.length];
        for (int j = 0; j < v.length; j++) {
            i[j] = (int) v[j];
        }
        return i;
    }

    private static float[] ones(int k) {
        float[] f = new float[k];
        Arrays.fill(f, 1f);
        return f;
    }

    /** A scalar or one value per filter. */
    private static float[] perFilter(Const c, int k, String what) {
        float[] v = new float[k];
        if (c == null) {
            return v;
        }
        if (c.data().length != 1 && c.data().length != k) {
            throw new IllegalArgumentException(what + " has " + c.data().length + " values for " + k + " filters");
        }
        for (int i = 0; i < k; i++) {
            v[i] = (float) c.data()[c.data().length == 1 ? 0 : i];
        }
        return v;
    }

    /** Conv weights [K, ...] less the zero point of their filter. */
    private static Tensor centre(Const w, float[] zp, int type, String what) {
        intType(type, what);
        float[] d = new float[w.data().length];
        int per = d.length / zp.length;
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (w.data()[i] - zp[i / per]);
        }
        return new Tensor(new Shape(Arrays.stream(w.dims()).mapToInt(Math::toIntExact).toArray()), d);
    }

    /** Weights [K, C] (rows = filters) less each row's zero point. */
    private static Tensor centreRows(Tensor w, float[] zp, int type, String what) {
        intType(type, what);
        float[] d = w.data().clone();
        int c = w.shape().dim(1);
        for (int i = 0; i < d.length; i++) {
            d[i] -= zp[i / c];
        }
        return new Tensor(w.shape(), d);
    }

    private static int[] bias(Translation t, NodeProto n, int i, int k) {
        Const b = t.constant(n, i, "bias");
        int[] v = new int[k];
        if (b == null) {
            return v;
        }
        if (t.typeOf(n.getInput(i)) != Tensors.INT32) {
            throw new IllegalArgumentException("the bias must be int32, is " + OrtTensors.typeName(t.typeOf(n.getInput(i))));
        }
        if (b.data().length != k && b.data().length != 1) {
            throw new IllegalArgumentException("the bias has " + b.data().length + " values for " + k + " filters");
        }
        for (int j = 0; j < k; j++) {
            v[j] = (int) b.data()[b.data().length == 1 ? 0 : j];
        }
        return v;
    }
}
