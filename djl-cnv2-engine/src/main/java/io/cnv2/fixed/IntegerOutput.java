package io.cnv2.fixed;

/**
 * How an integer layer of a quantised model (ONNX QLinearConv, QLinearMatMul, and the QGemm that
 * ONNX Runtime makes of a QDQ Gemm) finishes a filter's sum, as ONNX Runtime's integer kernels
 * do (docs/FIXED-POINT.md, "Quantised models"): the exact sum over (x - x_zp)(w - w_zp) is read
 * as ONNX's int32, the int32 bias is added (int32 arithmetic), the result is converted to float32
 * and multiplied by the filter's float32 multiplier x_scale * w_scale / y_scale, clamped to the
 * output type's range less the zero point, rounded half to even and offset by the zero point
 * (MLAS's requantisation). cnv2 keeps the result centred (without the zero point), as the next
 * layer's neuron memory holds it.
 *
 * @param input       quantisation of the layer's input activations
 * @param bias        per filter, the int32 bias at scale x_scale * w_scale (zeros when there is none)
 * @param multipliers per filter, the float32 output multiplier as the importer computed it
 * @param output      quantisation of the output
 */
public record IntegerOutput(Affine input, int[] bias, float[] multipliers, Affine output) {
    public IntegerOutput {
        if (bias.length != multipliers.length) {
            throw new IllegalArgumentException(bias.length + " biases for " + multipliers.length + " multipliers");
        }
        for (float m : multipliers) {
            if (!(m > 0) || Float.isInfinite(m)) {
                throw new IllegalArgumentException("an output multiplier must be positive and finite, is " + m);
            }
        }
    }

    /** The centred output of filter k for the exact sum {@code acc}. */
    public int finish(long acc, int k) {
        int sum = (int) acc + bias[k]; // ONNX's int32 accumulator: two's complement wrap, as the kernels' adds
        float f = (float) sum * multipliers[k];
        // clamp first (in float, as MLAS does), then round half to even: the bounds are integers, so the
        // order does not change the result, and a NaN-free float always lands in range
        f = Math.max(f, output.centredMin());
        f = Math.min(f, output.centredMax());
        return (int) Math.rint(f);
    }

    /** True when {@link #finish} clamped the value (an output saturation). */
    public boolean saturates(long acc, int k) {
        int sum = (int) acc + bias[k];
        float f = (float) sum * multipliers[k];
        return Math.rint(f) < output.centredMin() || Math.rint(f) > output.centredMax();
    }
}
