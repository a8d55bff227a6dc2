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
 * <p>ConvInteger and MatMulInteger end at the sum: {@code output} is null and the layer hands the
 * int32 sum to the host ({@link #raw}).
 *
 * @param input       quantisation of the layer's input activations (for ConvInteger after a
 *                    DynamicQuantizeLinear, the one of the first sample; the executor sets each sample's)
 * @param bias        per filter, the int32 bias at scale x_scale * w_scale (zeros when there is none)
 * @param multipliers per filter, the float32 output multiplier as the importer computed it (ones when raw)
 * @param output      quantisation of the output; null when the output is the raw int32 sum
 * @param weightScales per filter, the weights' scale (1 where the model keeps it outside the layer:
 *                    ConvInteger's rescaling Mul); for traces and reports
 * @param weightZeroPoints per filter, the weights' zero point, which the layer's weights are held less
 * @param weightType  the weights' element type in the model
 */
public record IntegerOutput(Affine input, int[] bias, float[] multipliers, Affine output, float[] weightScales,
                            int[] weightZeroPoints, IntType weightType) {
    /** int8 weights with scale 1 and zero point 0. */
    public IntegerOutput(Affine input, int[] bias, float[] multipliers, Affine output) {
        this(input, bias, multipliers, output, ones(bias.length), new int[bias.length], IntType.INT8);
    }

    /** The layer's integers for tables: "uint8 x int8 -> uint8" (int32 for a raw sum). */
    public String describe() {
        return input.type().onnxName() + " x " + weightType.onnxName() + " -> "
                + (output == null ? "int32" : output.type().onnxName());
    }

    private static float[] ones(int n) {
        float[] f = new float[n];
        java.util.Arrays.fill(f, 1f);
        return f;
    }

    /** The same rule, naming the weights' quantisation (per filter). */
    public IntegerOutput withWeights(float[] scales, int[] zeroPoints, IntType type) {
        return new IntegerOutput(input, bias, multipliers, output, scales, zeroPoints, type);
    }

    public IntegerOutput {
        if (weightScales.length != bias.length || weightZeroPoints.length != bias.length) {
            throw new IllegalArgumentException("one weight scale and zero point per filter");
        }
        if (bias.length != multipliers.length) {
            throw new IllegalArgumentException(bias.length + " biases for " + multipliers.length + " multipliers");
        }
        for (float m : multipliers) {
            if (!(m > 0) || Float.isInfinite(m)) {
                throw new IllegalArgumentException("an output multiplier must be positive and finite, is " + m);
            }
        }
    }

    /** An integer layer whose output is its int32 sum (ConvInteger, MatMulInteger). */
    public static IntegerOutput raw(Affine input, int filters) {
        float[] ones = new float[filters];
        java.util.Arrays.fill(ones, 1f);
        return new IntegerOutput(input, new int[filters], ones, null, ones.clone(), new int[filters], IntType.INT8);
    }

    /** True when the output is the raw int32 sum. */
    public boolean isRaw() {
        return output == null;
    }

    /** The same layer reading input quantised as {@code in} (a DynamicQuantizeLinear's per-sample one). */
    public IntegerOutput withInput(Affine in) {
        return new IntegerOutput(in, bias, multipliers, output, weightScales, weightZeroPoints, weightType);
    }

    /** The int32 sum a raw layer outputs: ONNX's int32 (two's complement wrap) plus the bias. */
    public int sum(long acc, int k) {
        return (int) acc + bias[k];
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

    /**
     * True when {@link #finish} clamped the value (an output saturation): above the type's maximum,
     * or below its minimum where that is not the real zero. A zero point at the type's minimum (uint8
     * with zero point 0 after a Relu the quantiser folded) makes the lower clamp the Relu itself, which
     * loses nothing.
     */
    public boolean saturates(long acc, int k) {
        if (output == null) {
            return false;
        }
        int sum = (int) acc + bias[k];
        double r = Math.rint((float) sum * multipliers[k]);
        return r > output.centredMax() || r < output.centredMin() && output.centredMin() != 0;
    }
}
