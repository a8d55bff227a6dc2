package io.cnv2.ir;

import java.util.Arrays;
import java.util.List;

/**
 * ONNX ReduceMean over {@code axes} (non-negative, sorted, resolved at import), keeping the
 * reduced axes as 1 when {@code keepDims}. A mean cannot leave its input's range, so in fixed
 * point it keeps the input's format: exact sum, divided with round half up (docs/FIXED-POINT.md).
 */
public record ReduceMean(int[] axes, boolean keepDims) implements Op {
    public ReduceMean {
        axes = axes.clone();
        Arrays.sort(axes);
    }

    @Override
    public String kind() {
        return "ReduceMean";
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        Shape s = in.get(0);
        for (int a : axes) {
            if (a < 0 || a >= s.rank()) {
                throw IrException.at(node, "ReduceMean axis " + a + " out of range for " + s);
            }
        }
        int[] d = s.dims();
        List<Integer> out = new java.util.ArrayList<>();
        for (int i = 0; i < d.length; i++) {
            boolean reduced = Arrays.binarySearch(axes, i) >= 0;
            if (!reduced) {
                out.add(d[i]);
            } else if (keepDims) {
                out.add(1);
            }
        }
        return new Shape(out.stream().mapToInt(Integer::intValue).toArray());
    }

    /** For each input element, the output element its value is summed into. */
    public int[] destinations(Shape in) {
        int[] keepStrides = new int[in.rank()];
        int stride = 1;
        for (int a = in.rank() - 1; a >= 0; a--) {
            if (Arrays.binarySearch(axes, a) < 0) {
                keepStrides[a] = stride;
                stride *= in.dim(a);
            }
        }
        int[] dst = new int[in.size()];
        int[] idx = new int[in.rank()];
        for (int i = 0; i < dst.length; i++) {
            int flat = 0;
            for (int a = 0; a < idx.length; a++) {
                flat += idx[a] * keepStrides[a];
            }
            dst[i] = flat;
            Relayout.next(idx, in);
        }
        return dst;
    }

    /** Number of input elements averaged into each output element. */
    public int count(Shape in) {
        int n = 1;
        for (int a : axes) {
            n *= in.dim(a);
        }
        return n;
    }

    @Override
    public Tensor apply(List<Tensor> in) {
        Tensor x = in.get(0);
        Shape out = inferShape("", List.of(x.shape()));
        int[] dst = destinations(x.shape());
        double[] sum = new double[out.size()];
        for (int i = 0; i < dst.length; i++) {
            sum[dst[i]] += x.data()[i];
        }
        float[] r = new float[sum.length];
        int n = count(x.shape());
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) (sum[i] / n);
        }
        return new Tensor(out, r);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReduceMean r && Arrays.equals(r.axes, axes) && r.keepDims == keepDims;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(axes) * 2 + (keepDims ? 1 : 0);
    }

    @Override
    public String toString() {
        return "ReduceMean" + Arrays.toString(axes) + (keepDims ? "" : " squeezed");
    }
}
