package io.cnv2.ir;

import java.util.List;

/**
 * Reshape to a fixed target shape (ONNX Reshape, Flatten, Squeeze, Unsqueeze once their
 * shape inputs are folded at import). Data order is unchanged.
 */
public record Reshape(Shape target) implements Op {
    @Override
    public String kind() {
        return "Reshape";
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        if (in.get(0).size() != target.size()) {
            throw IrException.at(node, "cannot reshape " + in.get(0) + " (" + in.get(0).size()
                    + " elements) to " + target + " (" + target.size() + " elements)");
        }
        return target;
    }

    @Override
    public Tensor apply(List<Tensor> in) {
        return in.get(0).reshape(target);
    }
}
