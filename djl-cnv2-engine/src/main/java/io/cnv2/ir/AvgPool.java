package io.cnv2.ir;

import java.util.List;

/**
 * ONNX AveragePool over [N, C, H, W]. With {@code countIncludePad} false (ONNX default) the
 * divisor is the number of real input positions in the window.
 */
public record AvgPool(PoolWindow window, boolean countIncludePad) implements Op {
    @Override
    public String kind() {
        return "AvgPool";
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
        return FloatKernels.avgPool(this, in.get(0), inferShape("", List.of(in.get(0).shape())));
    }
}
