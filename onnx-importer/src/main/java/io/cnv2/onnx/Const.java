package io.cnv2.onnx;

import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.Arrays;

/**
 * A tensor whose value is known at import: an initializer, a {@code Constant} node's value or
 * the result of folding a shape-only subgraph. Values are doubles (exact for int64 shape values
 * below 2^53 and for every float32); {@code integral} remembers whether ONNX typed it as an
 * integer, which matters for Div.
 */
record Const(long[] dims, double[] data, boolean integral) {
    Const {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("constant of shape " + Arrays.toString(dims) + " holds " + data.length
                    + " values");
        }
    }

    static Const ints(long... values) {
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = values[i];
        }
        return new Const(new long[] {values.length}, d, true);
    }

    static Const of(Tensor t) {
        double[] d = new double[t.data().length];
        for (int i = 0; i < d.length; i++) {
            d[i] = t.data()[i];
        }
        int[] s = t.shape().dims();
        return new Const(Arrays.stream(s).asLongStream().toArray(), d, false);
    }

    int rank() {
        return dims.length;
    }

    long[] longs() {
        long[] l = new long[data.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = (long) data[i];
        }
        return l;
    }

    Shape shape() {
        int[] s = new int[dims.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.toIntExact(dims[i]);
        }
        return new Shape(s);
    }

    Tensor tensor() {
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) data[i];
        }
        return new Tensor(shape(), f);
    }

    double scalar() {
        return data[0];
    }
}
