package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * Nodes that name an existing tensor anew: Identity, Dropout (inference), and Cast between float
 * types (cnv2 holds float32; a cast to half precision rounds, so it goes to the host).
 */
final class AliasOps {
    private AliasOps() {
    }

    /** The node's first input as cnv2 holds it. */
    private static String x(Translation t, NodeProto n) {
        return n.getInputCount() > 0 ? t.resolve(n.getInput(0)) : "";
    }

    static void register(Translators.Registry r) {
        r.add((t, name, n, at) -> t.alias(n.getOutput(0), x(t, n)), "Identity", "Dropout");
        r.add((t, name, n, at) -> {
            int to = (int) at.integer("to", 0);
            if (to != Tensors.FLOAT && to != Tensors.DOUBLE) {
                throw t.error(name, n, "Cast of a computed tensor to " + OrtTensors.typeName(to)
                        + " (cnv2 carries float32 tensors)");
            }
            t.alias(n.getOutput(0), x(t, n));
        }, "Cast");
    }


}
