package io.cnv2.torchscript;

import java.util.ArrayList;
import java.util.List;

/**
 * Fully connected layers and matrix products: {@code linear} on a 2-D input becomes Gemm with
 * transB = 1 (as PyTorch's exporter writes it), on more dimensions MatMul with the transposed
 * weight folded into a constant followed by Add of the bias; addmm becomes Gemm; matmul, mm and
 * bmm become MatMul.
 */
final class LinearOps {
    private LinearOps() {
    }

    static void register(Ops r) {
        r.add(LinearOps::linear, "linear");
        r.add(LinearOps::addmm, "addmm");
        r.add(c -> matmul(c, c.tensor(0, "self"), c.tensor(1, "other")), "matmul", "mm", "bmm");
    }

    private static TVal linear(OpCall c) {
        return linear(c, c.tensor(0, "input"), c.tensor(1, "weight"), c.arg(2, "bias", Values.NONE));
    }

    /** y = x w^T + bias (bias a tensor or None). */
    static TVal linear(OpCall c, TVal x, TVal w, Object bias) {
        if (w.rank() != 2 || x.rank() < 1 || x.shape()[x.rank() - 1] != w.shape()[1]) {
            throw new TranslationException("linear: input of shape " + x.shapeString() + " and weight of shape "
                    + w.shapeString() + " do not match");
        }
        if (x.rank() == 2) {
            List<Object> in = new ArrayList<>(List.of(x, w));
            if (!Values.isNone(bias)) {
                in.add(bias);
            }
            return c.node("Gemm", in, new int[] {x.shape()[0], w.shape()[0]}, TVal.Type.FLOAT, OnnxBuilder.f("alpha", 1f),
                    OnnxBuilder.f("beta", 1f), OnnxBuilder.i("transB", 1));
        }
        TVal wt = ShapeOps.transposeKnownOrNode(c, w, 0, 1);
        TVal y = matmul(c, x, wt);
        if (Values.isNone(bias)) {
            return y;
        }
        return c.node("Add", List.of(bias, y), y.shape(), TVal.Type.FLOAT); // the exporter's operand order
    }

    private static TVal addmm(OpCall c) {
        TVal bias = c.tensor(0, "self");
        TVal a = c.tensor(1, "mat1");
        TVal b = c.tensor(2, "mat2");
        double beta = c.real(3, "beta", 1);
        double alpha = c.real(4, "alpha", 1);
        return c.node("Gemm", List.of(a, b, bias), new int[] {a.shape()[0], b.shape()[1]}, TVal.Type.FLOAT,
                OnnxBuilder.f("alpha", (float) alpha), OnnxBuilder.f("beta", (float) beta));
    }

    /** numpy.matmul's shape rules (ONNX MatMul and torch.matmul agree). */
    static TVal matmul(OpCall c, TVal a, TVal b) {
        int[] sa = a.shape();
        int[] sb = b.shape();
        if (sa.length < 1 || sb.length < 1) {
            throw new TranslationException("matmul of a 0-d tensor");
        }
        int k = sa[sa.length - 1];
        int kb = sb.length == 1 ? sb[0] : sb[sb.length - 2];
        if (k != kb) {
            throw new TranslationException("matmul: shapes " + a.shapeString() + " and " + b.shapeString() + " do not match");
        }
        List<Integer> out = new ArrayList<>();
        int[] batchA = sa.length > 2 ? java.util.Arrays.copyOf(sa, sa.length - 2) : new int[0];
        int[] batchB = sb.length > 2 ? java.util.Arrays.copyOf(sb, sb.length - 2) : new int[0];
        for (int d : Shapes.broadcast(batchA, batchB)) {
            out.add(d);
        }
        if (sa.length >= 2) {
            out.add(sa[sa.length - 2]);
        }
        if (sb.length >= 2) {
            out.add(sb[sb.length - 1]);
        }
        return c.node("MatMul", List.of(a, b), out.stream().mapToInt(Integer::intValue).toArray(), TVal.Type.FLOAT);
    }
}
