package io.cnv2.ir;

import java.util.List;

/** ONNX GlobalAveragePool: [N, C, H, W] to [N, C, 1, 1]. */
public record GlobalAvgPool() implements Op {
    @Override
    public String kind() {
        return "GlobalAvgPool";
    }

    @Override
    public int arity() {
        return 1;
    }

    @Override
    public Shape inferShape(String node, List<Shape> in) {
        Op.requireRank(node, "GlobalAvgPool input", in.get(0), 4);
        return Shape.of(in.get(0).dim(0), in.get(0).dim(1), 1, 1);
    }

    @Override
    public Tensor apply(List<Tensor> in) {
        return FloatKernels.globalAvgPool(in.get(0));
    }
}
