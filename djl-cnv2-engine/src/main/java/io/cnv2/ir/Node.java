package io.cnv2.ir;

import java.util.List;

/**
 * One node of the network: {@code op} applied to the named {@code inputs} (graph values or
 * constants) producing the tensor named {@code output}. The name is the one a user sees in
 * tables and traces (the ONNX node name, or its output when the node has none).
 */
public record Node(String name, Op op, List<String> inputs, String output) {
    public Node {
        inputs = List.copyOf(inputs);
    }

    /**
     * True for the layers the accelerator runs (conv, transposed conv as a conv over its zero-inserted
     * input, fully connected); the host runs the rest.
     */
    public boolean isAcceleratorLayer() {
        return op instanceof Conv || op instanceof ConvTranspose || op instanceof Dense;
    }
}
