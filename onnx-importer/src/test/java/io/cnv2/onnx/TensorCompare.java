package io.cnv2.onnx;

import io.cnv2.ir.Tensor;

/** The agreement measure of the float reference checks. */
final class TensorCompare {
    private TensorCompare() {
    }

    /**
     * max |a - b| / max(max |b|, 1e-6): the error relative to the reference tensor's scale, so a
     * near-zero element does not blow it up (the "relative error per tensor").
     */
    static double relativeError(Tensor a, Tensor b) {
        if (a.data().length != b.data().length) {
            return Double.POSITIVE_INFINITY;
        }
        double diff = 0;
        double scale = 1e-6;
        for (int i = 0; i < a.data().length; i++) {
            diff = Math.max(diff, Math.abs((double) a.data()[i] - b.data()[i]));
            scale = Math.max(scale, Math.abs(b.data()[i]));
        }
        return diff / scale;
    }
}
