package io.cnv2.onnx;

/**
 * A constant weight quantised symmetrically (zero point 0), per tensor or per output channel
 * (docs/FIXED-POINT.md, "Static quantisation"): scale = max|w| / qmax in float32 (1 for an
 * all-zero tensor or channel), q = clamp(round_half_even(w / scale), -qmax, qmax), the rounding
 * of ONNX's QuantizeLinear ("rounding to nearest ties to even").
 *
 * @param values the integers, in the float tensor's layout
 * @param scales one per tensor, or one per index of {@code axis}
 * @param axis   the channel axis of a per-channel weight, -1 per tensor
 */
record WeightQuant(int[] values, float[] scales, int axis) {

    /** Quantises {@code w} (shape {@code dims}) with scales along {@code axis} (-1: one scale) to [-qmax, qmax]. */
    static WeightQuant of(float[] w, long[] dims, int axis, int qmax) {
        int channels = axis < 0 ? 1 : (int) dims[axis];
        int inner = 1;
        for (int d = axis + 1; d < dims.length && axis >= 0; d++) {
            inner *= (int) dims[d];
        }
        float[] max = new float[channels];
        for (int i = 0; i < w.length; i++) {
            int c = channel(i, channels, inner);
            max[c] = Math.max(max[c], Math.abs(w[i]));
        }
        float[] scales = new float[channels];
        for (int c = 0; c < channels; c++) {
            scales[c] = max[c] == 0 ? 1f : max[c] / qmax;
        }
        int[] q = new int[w.length];
        for (int i = 0; i < w.length; i++) {
            q[i] = clamp(Math.rint(w[i] / scales[channel(i, channels, inner)]), -qmax, qmax);
        }
        return new WeightQuant(q, scales, axis);
    }

    /** The channel of flat index {@code i}: (i / inner) % channels along the axis, 0 per tensor. */
    static int channel(int i, int channels, int inner) {
        return channels == 1 ? 0 : (i / inner) % channels;
    }

    static int clamp(double v, int lo, int hi) {
        return (int) Math.max(lo, Math.min(hi, v));
    }

    /**
     * The bias of a layer whose input has scale {@code sx} and whose weight has scales {@code sw}:
     * int32 round_half_even(b / bias_scale) with bias_scale = sx * sw_k in float32, one per output
     * channel when the weight is per channel (the rule of ONNX Runtime's quantiser, so that the
     * bias adds to the int32 accumulator of x_q * w_q with no rescaling).
     */
    record Bias(int[] values, float[] scales) {
        static Bias of(float[] b, float sx, float[] sw) {
            float[] scales = new float[sw.length];
            for (int k = 0; k < sw.length; k++) {
                scales[k] = sx * sw[k];
            }
            int[] q = new int[b.length];
            for (int k = 0; k < b.length; k++) {
                float s = scales[sw.length == 1 ? 0 : k];
                double v = Math.rint((double) b[k] / s);
                q[k] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, v));
            }
            return new Bias(q, scales);
        }
    }
}
