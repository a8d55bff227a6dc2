package io.cnv2.ir;

import java.util.List;

/**
 * Ops that only move values (Transpose, Slice): every output element
 * is one input element, named by {@link #sources}. The float and the fixed-point executors both
 * gather through the same map, so the op is exact in both and its output keeps the input's
 * format (docs/FIXED-POINT.md, "ops whose output keeps the input format").
 */
public sealed interface Relayout extends Op permits Transpose, Slice {

    /** For each element of the output (row-major), the flat index of the input element it copies. */
    int[] sources(Shape input, Shape output);

    @Override
    default int arity() {
        return 1;
    }

    /** Gathers {@code x} through {@link #sources}; used for the float semantics of nearest-style ops. */
    default Tensor gather(Tensor x) {
        Shape out = inferShape("", List.of(x.shape()));
        int[] src = sources(x.shape(), out);
        float[] r = new float[src.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = x.data()[src[i]];
        }
        return new Tensor(out, r);
    }

    /** Row-major index of the output coordinate {@code idx} advanced by one; returns false past the end. */
    static boolean next(int[] idx, Shape s) {
        for (int a = s.rank() - 1; a >= 0; a--) {
            if (++idx[a] < s.dim(a)) {
                return true;
            }
            idx[a] = 0;
        }
        return false;
    }
}
