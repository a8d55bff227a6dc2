package io.cnv2.ir;

import java.util.List;

/**
 * ONNX MatMul of two computed tensors (attention's Q x K^T and P x V): [..., M, K] x [..., K, N]
 * with numpy broadcasting of the leading axes, both of rank >= 2. A MatMul by a constant matrix is
 * a {@link Dense} layer instead, which the accelerator runs; this one has no weights to hold in the
 * synapse buffers, so it runs on the host: exact products summed exactly, requantised once
 * (docs/FIXED-POINT.md).
 */
public record MatMul() implements Op {
    @Override
    public String kind() {
        return "MatMul";
    }

    @Override
    public int arity() {
        return 2;
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        Shape a = in.get(0);
        Shape b = in.get(1);
        if (a.rank() < 2 || b.rank() < 2) {
            throw IrException.at(node, "MatMul of two computed tensors needs rank >= 2, got " + a + " and " + b);
        }
        if (a.dim(-1) != b.dim(-2)) {
            throw IrException.at(node, "MatMul inner dimensions differ: " + a + " x " + b);
        }
        Shape batch = Broadcast.shape(node, leading(a), leading(b));
        int[] d = new int[batch.rank() + 2];
        System.arraycopy(batch.dims(), 0, d, 0, batch.rank());
        d[d.length - 2] = a.dim(-2);
        d[d.length - 1] = b.dim(-1);
        return new Shape(d);
    }

    static Shape leading(Shape s) {
        int[] d = new int[s.rank() - 2];
        System.arraycopy(s.dims(), 0, d, 0, d.length);
        return new Shape(d);
    }

    /** Geometry of one product: for each batch b, the flat offsets of its A and B matrices. */
    public record Plan(int m, int k, int n, int[] aOffset, int[] bOffset) {
    }

    public Plan plan(Shape a, Shape b) {
        Shape out = inferShape("", List.of(a, b));
        Shape batch = leading(out);
        int m = a.dim(-2);
        int k = a.dim(-1);
        int n = b.dim(-1);
        int[] ia = Broadcast.indexMap(leading(a), batch);
        int[] ib = Broadcast.indexMap(leading(b), batch);
        int[] ao = new int[ia.length];
        int[] bo = new int[ib.length];
        for (int i = 0; i < ia.length; i++) {
            ao[i] = ia[i] * m * k;
            bo[i] = ib[i] * k * n;
        }
        return new Plan(m, k, n, ao, bo);
    }

    @Override
    public Tensor apply(List<Tensor> in) {
        Tensor a = in.get(0);
        Tensor b = in.get(1);
        Plan p = plan(a.shape(), b.shape());
        float[] r = new float[p.aOffset().length * p.m() * p.n()];
        for (int bt = 0; bt < p.aOffset().length; bt++) {
            for (int i = 0; i < p.m(); i++) {
                for (int j = 0; j < p.n(); j++) {
                    float acc = 0f;
                    for (int t = 0; t < p.k(); t++) {
                        acc += a.data()[p.aOffset()[bt] + i * p.k() + t] * b.data()[p.bOffset()[bt] + t * p.n() + j];
                    }
                    r[(bt * p.m() + i) * p.n() + j] = acc;
                }
            }
        }
        return new Tensor(inferShape("", List.of(a.shape(), b.shape())), r);
    }

    @Override
    public long macs(List<Shape> inputs, Shape output) {
        return (long) output.size() * inputs.get(0).dim(-1);
    }
}
