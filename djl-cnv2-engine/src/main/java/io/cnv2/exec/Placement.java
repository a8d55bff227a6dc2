package io.cnv2.exec;

import io.cnv2.ir.Node;
import io.cnv2.ir.Softmax;

/** Where a layer runs (CNV2-MODEL.md section 2, item 8). */
public enum Placement {
    /** Conv and fully connected layers: on the emulated accelerator, bit-exact. */
    ACCELERATOR,
    /** Other layers whose data stays on chip: on the host in the fixed-point rules of section 2. */
    HOST_FIXED,
    /**
     * Softmax, LayerNormalization and every op cnv2 does not model (a {@link io.cnv2.ir.HostGraph},
     * run by ONNX Runtime): on the host in float.
     */
    HOST_FLOAT;

    public static Placement of(Node n) {
        if (n.isAcceleratorLayer()) {
            return ACCELERATOR;
        }
        return n.op() instanceof Softmax || n.op() instanceof io.cnv2.ir.LayerNorm || n.op() instanceof io.cnv2.ir.HostGraph
                ? HOST_FLOAT : HOST_FIXED;
    }

    public String label() {
        return switch (this) {
            case ACCELERATOR -> "accelerator";
            case HOST_FIXED -> "host-fixed";
            case HOST_FLOAT -> "host-float";
        };
    }
}
