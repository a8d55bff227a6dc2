package io.cnv2.ir;

/** Numpy broadcasting (the rule ONNX calls multidirectional broadcasting). */
public final class Broadcast {
    private Broadcast() {
    }

    public static Shape shape(String node, Shape a, Shape b) {
        int r = Math.max(a.rank(), b.rank());
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i < r - a.rank() ? 1 : a.dim(i - (r - a.rank()));
            int db = i < r - b.rank() ? 1 : b.dim(i - (r - b.rank()));
            if (da != db && da != 1 && db != 1) {
                throw IrException.at(node, "cannot broadcast shapes " + a + " and " + b);
            }
            out[i] = da == 1 ? db : da;
        }
        return new Shape(out);
    }

    /**
     * For each element of {@code out}, the flat index of the element of {@code in} that
     * broadcasting maps to it.
     */
    public static int[] indexMap(Shape in, Shape out) {
        int r = out.rank();
        int[] inStrides = new int[r];
        int[] s = in.strides();
        for (int i = 0; i < r; i++) {
            int ai = i - (r - in.rank());
            inStrides[i] = ai < 0 || in.dim(ai) == 1 ? 0 : s[ai];
        }
        int n = out.size();
        int[] map = new int[n];
        int[] idx = new int[r];
        int flat = 0;
        for (int e = 0; e < n; e++) {
            map[e] = flat;
            for (int i = r - 1; i >= 0; i--) {
                idx[i]++;
                flat += inStrides[i];
                if (idx[i] < out.dim(i)) {
                    break;
                }
                flat -= inStrides[i] * idx[i];
                idx[i] = 0;
            }
        }
        return map;
    }
}
