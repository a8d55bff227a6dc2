package io.cnv2.ir;

import java.util.Arrays;
import java.util.List;

/** ONNX Transpose: output axis i is input axis {@code perm[i]}. Moves data only ({@link Relayout}). */
public record Transpose(int[] perm) implements Relayout {
    public Transpose {
        perm = perm.clone();
        boolean[] seen = new boolean[perm.length];
        for (int p : perm) {
            if (p < 0 || p >= perm.length || seen[p]) {
                throw new IrException("Transpose perm " + Arrays.toString(perm) + " is not a permutation");
            }
            seen[p] = true;
        }
    }

    @Override
    public String kind() {
        return "Transpose";
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        Shape s = in.get(0);
        if (s.rank() != perm.length) {
            throw IrException.at(node, "Transpose perm " + Arrays.toString(perm) + " does not fit input " + s);
        }
        int[] d = new int[perm.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = s.dim(perm[i]);
        }
        return new Shape(d);
    }

    @Override
    public int[] sources(Shape input, Shape output) {
        int[] inStrides = input.strides();
        int[] src = new int[output.size()];
        int[] idx = new int[output.rank()];
        for (int o = 0; o < src.length; o++) {
            int flat = 0;
            for (int a = 0; a < idx.length; a++) {
                flat += idx[a] * inStrides[perm[a]];
            }
            src[o] = flat;
            Relayout.next(idx, output);
        }
        return src;
    }

    @Override
    public Tensor apply(List<Tensor> in) {
        return gather(in.get(0));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Transpose t && Arrays.equals(t.perm, perm);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(perm);
    }

    @Override
    public String toString() {
        return "Transpose" + Arrays.toString(perm);
    }
}
