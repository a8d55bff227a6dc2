package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import io.cnv2.ir.Dense;
import io.cnv2.ir.MatMul;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Matrix products with a constant operand, the accelerator's fully connected layers (over every row
 * of the input): Gemm, and MatMul with the constant on either side; MatMul of two activations is the
 * host's.
 */
final class DenseOps {
    private DenseOps() {
    }

    static void register(Translators.Registry r) {
        r.add((t, name, n, at) -> t.add(name, n, gemm(t, n, at), List.of(t.first(n))), "Gemm");
        r.add((t, name, n, at) -> {
            if (t.known(n.getInput(0)) && !t.known(n.getInput(1))) {
                constantLeft(t, name, n, t.first(n));
            } else if (t.known(n.getInput(1))) {
                t.add(name, n, matmul(t, n), List.of(t.first(n)));
            } else {
                t.add(name, n, new io.cnv2.ir.MatMul(), t.operands(n));
            }
        }, "MatMul");
    }

    static Dense gemm(Translation t, NodeProto n, Attributes at) {
        if (at.integer("transA", 0) != 0) {
            throw new IllegalArgumentException("transA=1 is not supported");
        }
        Const b = t.required(n, 1, "B");
        Const c = t.constant(n, 2, "C");
        float alpha = at.real("alpha", 1f);
        float beta = at.real("beta", 1f);
        Tensor w = at.integer("transB", 0) != 0 ? b.tensor() : transpose(b);
        int k = w.shape().dim(0);
        float[] wd = w.data().clone();
        for (int i = 0; i < wd.length; i++) {
            wd[i] *= alpha;
        }
        Tensor bias = null;
        if (c != null) {
            float[] bd = new float[k];
            for (int i = 0; i < k; i++) {
                bd[i] = beta * (float) c.data()[c.data().length == 1 ? 0 : i % c.data().length];
            }
            if (c.data().length != 1 && c.data().length != k) {
                throw new IllegalArgumentException("C of " + c.data().length + " values does not broadcast to " + k
                        + " outputs");
            }
            bias = new Tensor(Shape.of(k), bd);
        }
        return new Dense(new Tensor(w.shape(), wd), bias);
    }

    static Dense matmul(Translation t, NodeProto n) {
        Shape a = t.dynamicShape(n, 0);
        if (a.rank() < 2) {
            throw new IllegalArgumentException("MatMul of a rank-" + a.rank() + " tensor by a constant is not "
                    + "supported (only [..., C] x constant [C, K])");
        }
        Const b = t.required(n, 1, "B");
        if (b.rank() != 2) {
            throw new IllegalArgumentException("MatMul weight must have rank 2, has " + Arrays.toString(b.dims()));
        }
        return new Dense(transpose(b), null);
    }

    static Tensor transpose(Const b) {
        int rows = (int) b.dims()[0];
        int cols = (int) b.dims()[1];
        float[] t = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = (float) b.data()[r * cols + c];
            }
        }
        return new Tensor(Shape.of(cols, rows), t);
    }

    /**
     * MatMul of a constant [K, C] by a computed [..., C, L] (PyTorch's {@code W @ x}): the same weights
     * applied to each of the L columns, so a fully connected layer over the transposed input,
     * transposed back: x^T W^T = (W x)^T.
     */
    static void constantLeft(Translation t, String name, NodeProto n, String x) {
        Shape s = t.dynamicShape(n, 1);
        Const w = t.required(n, 0, "A");
        if (w.rank() != 2 || s.rank() < 2 || s.dim(-2) != w.dims()[1]) {
            throw new IllegalArgumentException("MatMul of a constant " + Arrays.toString(w.dims()) + " by " + s
                    + " is not one cnv2 runs as a fully connected layer");
        }
        String b = t.resolve(n.getInput(1));
        int[] perm = new int[s.rank()];
        for (int i = 0; i < perm.length; i++) {
            perm[i] = i;
        }
        perm[perm.length - 1] = perm.length - 2;
        perm[perm.length - 2] = perm.length - 1;
        String out = n.getOutput(0);
        t.add(name + "/columns", n, new io.cnv2.ir.Transpose(perm.clone()), List.of(b), out + "/columns");
        t.add(name, n, new Dense(w.tensor(), null), List.of(out + "/columns"), out + "/rows");
        t.add(name + "/back", n, new io.cnv2.ir.Transpose(perm.clone()), List.of(out + "/rows"), out);
    }
}
