package io.cnv2.onnx;

/**
 * The scale and zero point of one quantised activation tensor, from its calibrated range
 * (docs/FIXED-POINT.md, "Static quantisation"). The range always holds 0, so that 0 is exact
 * (ONNX Runtime's quantiser does the same: padding and Relu's zeros must quantise to the zero point).
 * Asymmetric (uint8): scale = (hi - lo) / 255, zero point = round_half_even(-lo / scale) in [0, 255].
 * Symmetric (int8): scale = max(|lo|, |hi|) / 127, zero point 0. A range of width 0 gives scale 1.
 *
 * @param scale     float32, as the file stores it
 * @param zeroPoint in [0, 255] (uint8) or 0 (int8)
 * @param signed    int8 rather than uint8
 */
record ActivationQuant(float scale, int zeroPoint, boolean signed) {

    static ActivationQuant of(float lo, float hi, boolean symmetric) {
        float min = Math.min(0f, lo);
        float max = Math.max(0f, hi);
        if (symmetric) {
            float m = Math.max(Math.abs(min), Math.abs(max));
            return new ActivationQuant(m == 0 ? 1f : m / 127f, 0, true);
        }
        float scale = (max - min) / 255f;
        if (scale == 0 || !Float.isFinite(scale)) {
            return new ActivationQuant(1f, 0, false);
        }
        int zp = (int) Math.max(0, Math.min(255, Math.rint(-min / scale)));
        return new ActivationQuant(scale, zp, false);
    }

    /** The ONNX element type of the quantised tensor (uint8 2, int8 3). */
    int type() {
        return signed ? Tensors.INT8 : Tensors.UINT8;
    }
}
