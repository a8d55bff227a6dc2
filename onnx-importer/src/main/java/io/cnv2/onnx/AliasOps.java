package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;

/**
 * Nodes that name an existing tensor anew: Identity, Dropout (inference), and Cast between float
 * types (cnv2 holds float32; a cast to half precision rounds, so it goes to the host).
 */
final class AliasOps {
    private AliasOps() {
    }

    static void register(Translators.Registry r) {
        r.add((t, name, n, at) -> t.alias(n.getOutput(0), t.first(n)), "Identity", "Dropout");
        r.add((t, name, n, at) -> {
            int to = (int) at.integer("to", 0);
            if (to != Tensors.FLOAT && to != Tensors.DOUBLE) {
                throw t.error(name, n, "Cast of a computed tensor to " + OrtTensors.typeName(to)
                        + " (cnv2 carries float32 tensors)");
            }
            t.alias(n.getOutput(0), t.first(n));
        }, "Cast");
    }


}
