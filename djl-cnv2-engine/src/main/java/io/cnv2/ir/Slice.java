package io.cnv2.ir;

import java.util.Arrays;
import java.util.List;

/**
 * ONNX Slice of a computed tensor, with its starts, steps and output lengths resolved per axis at
 * import (negative indices and clamping done there, ONNX's rules). Moves data only ({@link Relayout}).
 */
public record Slice(int[] starts, int[] steps, int[] lengths) implements Relayout {
    public Slice {
        starts = starts.clone();
        steps = steps.clone();
        lengths = lengths.clone();
        if (starts.length != steps.length || starts.length != lengths.length) {
            throw new IrException("Slice starts, steps and lengths differ in rank");
        }
        for (int i = 0; i < steps.length; i++) {
            if (steps[i] == 0 || lengths[i] < 0) {
                throw new IrException("Slice step 0 or negative length on axis " + i);
            }
        }
    }

    @Override
    public String kind() {
        return "Slice";
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        Shape s = in.get(0);
        if (s.rank() != starts.length) {
            throw IrException.at(node, "Slice of rank " + starts.length + " does not fit input " + s);
        }
        for (int a = 0; a < s.rank(); a++) {
            long last = starts[a] + (long) (lengths[a] - 1) * steps[a];
            if (lengths[a] > 0 && (starts[a] < 0 || starts[a] >= s.dim(a) || last < 0 || last >= s.dim(a))) {
                throw IrException.at(node, "Slice on axis " + a + " leaves input " + s);
            }
        }
        return new Shape(lengths);
    }

    @Override
    public int[] sources(Shape input, Shape output) {
        int[] inStrides = input.strides();
        int[] src = new int[output.size()];
        int[] idx = new int[output.rank()];
        for (int o = 0; o < src.length; o++) {
            int flat = 0;
            for (int a = 0; a < idx.length; a++) {
                flat += (starts[a] + idx[a] * steps[a]) * inStrides[a];
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
        return o instanceof Slice t && Arrays.equals(t.starts, starts) && Arrays.equals(t.steps, steps)
                && Arrays.equals(t.lengths, lengths);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(starts) * 31 + Arrays.hashCode(steps)) * 31 + Arrays.hashCode(lengths);
    }

    @Override
    public String toString() {
        return "Slice" + Arrays.toString(starts) + Arrays.toString(steps) + Arrays.toString(lengths);
    }
}
