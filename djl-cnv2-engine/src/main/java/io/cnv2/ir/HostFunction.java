package io.cnv2.ir;

import java.util.List;

/**
 * The float meaning of a {@link HostGraph}: a function of its input tensors computed by a real
 * host runtime (ONNX Runtime for ONNX models), not by cnv2. Implementations live outside the
 * core (the importer that made the graph) and must be safe to call from many threads at once.
 */
@FunctionalInterface
public interface HostFunction {
    /** The outputs, in the order the node names them, for these inputs (in the node's order). */
    List<Tensor> apply(List<Tensor> inputs);
}
