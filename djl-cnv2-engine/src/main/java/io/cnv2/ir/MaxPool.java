package io.cnv2.ir;

import java.util.List;

/** ONNX MaxPool over [N, C, H, W]; padded positions never win (they are -infinity). */
public record MaxPool(PoolWindow window) implements Op {
    @Override
    public String kind() {
        return "MaxPool";
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        return window.infer(node, kind(), in.get(0));
    }

    @Override
    public Tensor apply(List<Tensor> in) {
        return FloatKernels.maxPool(window, in.get(0), inferShape("", List.of(in.get(0).shape())));
    }
}
