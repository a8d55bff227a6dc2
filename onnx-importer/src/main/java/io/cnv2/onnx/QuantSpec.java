package io.cnv2.onnx;

import io.cnv2.BadInputException;

/**
 * How {@code cnv2 quantize} quantises (docs/FIXED-POINT.md, "Static quantisation"): weights are
 * symmetric int8 holding {@code weightBits} bits' worth of levels, per tensor or per output
 * channel; activations are uint8 with a zero point (asymmetric, the default) or int8 with zero
 * point 0 ({@code symmetric}).
 *
 * @param weightBits   8 or 4; 4-bit weights are rounded to [-7, 7] but stored in int8 (ONNX Runtime's
 *                     QLinearConv has no int4 kernel)
 * @param perChannel   one weight scale per output channel instead of one per tensor
 * @param symmetric    int8 activations with zero point 0 (and Relu kept) instead of uint8 with a zero point
 * @param reduceRange  8-bit weights in 7 bits, [-63, 63]: ONNX Runtime's {@code reduce_range}, so that
 *                     the pair sums of AVX2 without VNNI (vpmaddubsw, int16 saturating) cannot
 *                     saturate
 * @param unrollRecurrent LSTM and GRU nodes unrolled over their time steps into MatMuls that are quantised
 *                     ({@link RecurrentUnroll}; the default) instead of kept float ({@code --keep-recurrent})
 */
public record QuantSpec(int weightBits, boolean perChannel, boolean symmetric, boolean reduceRange,
                        boolean unrollRecurrent) {
    public QuantSpec {
        if (weightBits != 8 && weightBits != 4) {
            throw new BadInputException("option --bits: " + weightBits + " is not a weight width cnv2 quantises to "
                    + "(8 or 4)");
        }
    }

    /**
     * The spec a user asks for: 8-bit weights are reduced to 7 bits, [-63, 63], because ONNX Runtime
     * on AVX2 machines without VNNI saturates pairs of products otherwise, with uint8 activations
     * and with int8 ones alike (its int8 x int8 kernel offsets activations into uint8); measured by
     * QuantisedConvExactnessTest, docs/FIXED-POINT.md. With 7-bit weights its fused kernels are
     * exact on every machine.
     */
    public static QuantSpec of(int weightBits, boolean perChannel, boolean symmetric) {
        return new QuantSpec(weightBits, perChannel, symmetric, weightBits == 8, true);
    }

    /** This spec with LSTM nodes unrolled and quantised ({@code true}) or kept float. */
    public QuantSpec withUnrollRecurrent(boolean unroll) {
        return new QuantSpec(weightBits, perChannel, symmetric, reduceRange, unroll);
    }

    /** The largest weight magnitude: 7 for 4 bits, 63 for 8 bits in reduced range, else 127. */
    public int weightMax() {
        return weightBits == 4 ? 7 : reduceRange ? 63 : 127;
    }

    /** The activations' type as ONNX numbers it: int8 (3) when symmetric, else uint8 (2). */
    int activationType() {
        return symmetric ? Tensors.INT8 : Tensors.UINT8;
    }

    /** "uint8 asymmetric" or "int8 symmetric", for reports. */
    public String activations() {
        return symmetric ? "int8 symmetric" : "uint8 asymmetric";
    }
}
