package io.cnv2.fixed;

/**
 * The affine quantisation of a tensor in a quantised model (ONNX QuantizeLinear and
 * DequantizeLinear): a real value x is held as the integer q of {@code type} with
 * x = (q - zeroPoint) * scale. Inside cnv2 the integers are kept centred, c = q - zeroPoint
 * (docs/FIXED-POINT.md, "Quantised models"): the zero point is subtracted where the activation is
 * written to neuron memory, so c = 0 is the real zero and the ineffectual value.
 */
public record Affine(float scale, int zeroPoint, IntType type) {
    public Affine {
        if (!(scale > 0) || Float.isInfinite(scale)) {
            throw new IllegalArgumentException("a quantisation scale must be positive and finite, is " + scale);
        }
        if (zeroPoint < type.min() || zeroPoint > type.max()) {
            throw new IllegalArgumentException("zero point " + zeroPoint + " is outside " + type.onnxName());
        }
    }

    /** The real value of centred integer c (DequantizeLinear in float32: (q - zp) * scale). */
    public float real(int centred) {
        return centred * scale;
    }

    /** Smallest centred value: type minimum minus the zero point. */
    public int centredMin() {
        return type.min() - zeroPoint;
    }

    /** Largest centred value: type maximum minus the zero point. */
    public int centredMax() {
        return type.max() - zeroPoint;
    }

    @Override
    public String toString() {
        return type.onnxName() + "(scale " + scale + ", zero point " + zeroPoint + ")";
    }
}
