package io.cnv2.ir;

import java.util.List;

/**
 * One node of the network: {@code op} applied to the named {@code inputs} (graph values or
 * constants) producing the tensors named {@code outputs} (one for every op but a
 * {@link HostGraph}, which may make several). The name is the one a user sees in tables and
 * traces (the ONNX node name, or its output when the node has none).
 */
public record Node(String name, Op op, List<String> inputs, List<String> outputs) {
    public Node {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        if (outputs.isEmpty()) {
            throw IrException.at(name, "a node must produce at least one tensor");
        }
    }

    /** A node of a single-output op. */
    public Node(String name, Op op, List<String> inputs, String output) {
        this(name, op, inputs, List.of(output));
    }

    /** The (first) output tensor. */
    public String output() {
        return outputs.get(0);
    }

    /**
     * True for the layers the accelerator runs (conv, transposed conv as a conv over its zero-inserted
     * input, fully connected); the host runs the rest.
     */
    public boolean isAcceleratorLayer() {
        return op instanceof Conv || op instanceof ConvTranspose || op instanceof Dense || op instanceof QuantisedLayer;
    }
}
