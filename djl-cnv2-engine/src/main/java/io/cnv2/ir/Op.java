package io.cnv2.ir;

import java.util.List;

/**
 * One operation of the network IR. Each op checks the shapes of its inputs and says the
 * shape of its output ({@link #inferShape}); its float meaning is {@link #apply}, which is
 * what ONNX defines for the same operator and what the float reference executor runs.
 * The fixed-point meaning lives in {@code io.cnv2.fixed}, the accelerator's in {@code io.cnv2.hw}.
 */
public sealed interface Op
        permits Conv, ConvTranspose, Dense, MaxPool, AvgPool, GlobalAvgPool, Eltwise, Concat, Reshape,
                Activation, Softmax, BatchNorm, Relayout, Resize, ReduceMean, MatMul, LayerNorm, HostGraph, QuantisedLayer {

    /** Short operator name for tables and reports ("Conv", "Relu", ...). */
    String kind();

    /** Number of inputs the op takes. */
    int arity();

    /** Output shape for these input shapes; throws {@link IrException} naming {@code node} if they do not fit. */
    Shape inferShape(String node, List<Shape> inputs);

    /** Float semantics (ONNX's). */
    Tensor apply(List<Tensor> inputs);

    /** Number of output tensors (1 for every op but {@link HostGraph}). */
    default int outputCount() {
        return 1;
    }

    /** Shapes of every output. */
    default List<Shape> inferShapes(String node, List<Shape> inputs) {
        return List.of(inferShape(node, inputs));
    }

    /** Float semantics of every output. */
    default List<Tensor> applyAll(List<Tensor> inputs) {
        return List.of(apply(inputs));
    }

    /** Multiply-accumulates per sample (0 for ops that do none). */
    default long macs(List<Shape> inputs, Shape output) {
        return 0;
    }

    static void requireRank(String node, String what, Shape s, int rank) {
        if (s.rank() != rank) {
            throw IrException.at(node, what + " must have rank " + rank + ", has shape " + s);
        }
    }
}
