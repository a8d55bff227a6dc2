package io.cnv2.ir;

import java.util.List;

/** ONNX Concat along {@code axis} (non-negative once imported); any number of inputs. */
public record Concat(int axis) implements Op {
    @Override
    public String kind() {
        return "Concat";
    }

    @Override
    public int arity() {
        return -1; // variadic
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        Shape first = in.get(0);
        if (axis < 0 || axis >= first.rank()) {
            throw IrException.at(node, "Concat axis " + axis + " out of range for rank " + first.rank());
        }
        int[] out = first.dims();
        for (int i = 1; i < in.size(); i++) {
            Shape s = in.get(i);
            if (s.rank() != first.rank()) {
                throw IrException.at(node, "Concat inputs differ in rank: " + first + " and " + s);
            }
            for (int d = 0; d < s.rank(); d++) {
                if (d != axis && s.dim(d) != first.dim(d)) {
                    throw IrException.at(node, "Concat inputs differ outside axis " + axis + ": " + first + " and " + s);
                }
            }
            out[axis] += s.dim(axis);
        }
        return new Shape(out);
    }

    @Override
    public Tensor apply(List<Tensor> in) {
        return FloatKernels.concat(axis, in, inferShape("", in.stream().map(Tensor::shape).toList()));
    }
}
