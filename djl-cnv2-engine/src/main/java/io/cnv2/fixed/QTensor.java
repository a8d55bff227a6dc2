package io.cnv2.fixed;

import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.Arrays;

/**
 * A 16-bit tensor of the accelerator: integers q (row-major, ONNX layout) in one of two number
 * systems. Dynamic fixed point ({@code affine == null}): one fraction length {@code frac} for the
 * whole tensor, value = q / 2^frac. A quantised model's tensor ({@code affine} set): q is the
 * model's integer minus its zero point (centred), value = q * scale, and {@code frac} is 0.
 */
public record QTensor(Shape shape, short[] data, int frac, Affine affine) {
    public QTensor {
        if (data.length != shape.size()) {
            throw new IllegalArgumentException("QTensor data has " + data.length + " values, shape " + shape
                    + " needs " + shape.size());
        }
    }

    /** A dynamic fixed-point tensor. */
    public QTensor(Shape shape, short[] data, int frac) {
        this(shape, data, frac, null);
    }

    /** A quantised model's tensor holding centred integers (see {@link Affine}). */
    public static QTensor centred(Shape shape, short[] data, Affine affine) {
        return new QTensor(shape, data, 0, affine);
    }

    /** Other values in the same number system (format or quantisation) as this tensor. */
    public QTensor withData(Shape s, short[] d) {
        return new QTensor(s, d, frac, affine);
    }

    /** The real value of one integer step: 2^-frac, or the quantisation scale. */
    public double unit() {
        return affine == null ? Math.scalb(1.0, -frac) : affine.scale();
    }

    /**
     * The tensor as ONNX holds it: a quantised model's integers (centred value plus zero point, in
     * float, exact) for a quantised tensor, else the dequantised values.
     */
    public Tensor onnxValue() {
        if (affine == null) {
            return dequantize();
        }
        float[] f = new float[data.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = data[i] + affine.zeroPoint();
        }
        return new Tensor(shape, f);
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
            f[i] = affine == null ? (float) Fixed.toDouble(data[i], frac) : affine.real(data[i]);
        }
        return new Tensor(shape, f);
    }

    public QTensor reshape(Shape s) {
        return new QTensor(s, data, frac, affine);
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
        return o instanceof QTensor q && q.frac == frac && java.util.Objects.equals(q.affine, affine)
                && q.shape.equals(shape) && Arrays.equals(q.data, data);
    }

    @Override
    public int hashCode() {
        return (shape.hashCode() * 31 + Arrays.hashCode(data)) * 31 + frac;
    }

    @Override
    public String toString() {
        return "QTensor" + shape + (affine == null ? "/f=" + frac : "/" + affine);
    }
}
