package io.cnv2.fixed;

import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.Arrays;

/**
 * A 16-bit fixed-point tensor: integers q (row-major, ONNX layout) with one fraction length
 * {@code frac} for the whole tensor (value = q / 2^frac).
 */
public record QTensor(Shape shape, short[] data, int frac) {
    public QTensor {
        if (data.length != shape.size()) {
            throw new IllegalArgumentException("QTensor data has " + data.length + " values, shape " + shape
                    + " needs " + shape.size());
        }
    }

    /** Quantises with rule 1; saturations are added to {@code counter} when it is not null. */
    public static QTensor quantize(Tensor t, int frac, long[] counter) {
        short[] q = new short[t.data().length];
        long sat = 0;
        for (int i = 0; i < q.length; i++) {
            float v = t.data()[i];
            if (Fixed.saturates(v, frac)) {
                sat++;
            }
            q[i] = (short) Fixed.quantize(v, frac);
        }
        if (counter != null) {
            counter[0] += sat;
        }
        return new QTensor(t.shape(), q, frac);
    }

    public Tensor dequantize() {
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) Fixed.toDouble(data[i], frac);
        }
        return new Tensor(shape, f);
    }

    public QTensor reshape(Shape s) {
        return new QTensor(s, data, frac);
    }

    /** Fraction of elements equal to zero. */
    public double zeroFraction() {
        long z = 0;
        for (short v : data) {
            if (v == 0) {
                z++;
            }
        }
        return data.length == 0 ? 0 : (double) z / data.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QTensor q && q.frac == frac && q.shape.equals(shape) && Arrays.equals(q.data, data);
    }

    @Override
    public int hashCode() {
        return (shape.hashCode() * 31 + Arrays.hashCode(data)) * 31 + frac;
    }

    @Override
    public String toString() {
        return "QTensor" + shape + "/f=" + frac;
    }
}
