package io.cnv2.ir;

import java.util.List;

/**
 * Softmax along {@code axis} (opset 13 semantics; the importer rewrites opset < 13's
 * "flatten to 2-D" rule into a reshape where the two differ). Always runs on the host in
 * float (CNV2-MODEL.md section 2, item 8).
 */
public record Softmax(int axis) implements Op {
    @Override
    public String kind() {
        return "Softmax";
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        if (axis < 0 || axis >= in.get(0).rank()) {
            throw IrException.at(node, "Softmax axis " + axis + " out of range for " + in.get(0));
        }
        return in.get(0);
    }

    @Override
    public Tensor apply(List<Tensor> in) {
        return FloatKernels.softmax(axis, in.get(0));
    }
}
