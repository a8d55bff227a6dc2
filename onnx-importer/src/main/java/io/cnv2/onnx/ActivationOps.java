package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import io.cnv2.ir.Activation;
import java.util.List;

/**
 * Element-wise activations the host computes in fixed point (docs/FIXED-POINT.md).
 */
final class ActivationOps {
    private ActivationOps() {
    }

    static void register(Translators.Registry r) {
        r.add((t, name, n, at) -> t.add(name, n, Activation.relu(), List.of(t.first(n))), "Relu");
        r.add((t, name, n, at) -> t.add(name, n, Activation.sigmoid(), List.of(t.first(n))), "Sigmoid");
        r.add((t, name, n, at) -> t.add(name, n, Activation.tanh(), List.of(t.first(n))), "Tanh");
        r.add((t, name, n, at) -> t.add(name, n, Activation.hardSwish(), List.of(t.first(n))), "HardSwish");
        r.add((t, name, n, at) -> t.add(name, n, Activation.hardSigmoid(at.real("alpha", 0.2f), at.real("beta", 0.5f)),
                List.of(t.first(n))), "HardSigmoid");
        r.add((t, name, n, at) -> t.add(name, n, Activation.sqrt(), List.of(t.first(n))), "Sqrt");
        r.add((t, name, n, at) -> t.add(name, n, Activation.leakyRelu(at.real("alpha", 0.01f)), List.of(t.first(n))),
                "LeakyRelu");
        r.add((t, name, n, at) -> t.add(name, n, clip(t, n, at), List.of(t.first(n))), "Clip");
    }

    static Activation clip(Translation t, NodeProto n, Attributes at) {
        float lo = -Float.MAX_VALUE;
        float hi = Float.MAX_VALUE;
        if (t.opset() < 11) {
            lo = at.real("min", lo);
            hi = at.real("max", hi);
        } else {
            Const min = t.constant(n, 1, "min");
            Const max = t.constant(n, 2, "max");
            lo = min == null ? lo : (float) min.scalar();
            hi = max == null ? hi : (float) max.scalar();
        }
        return Activation.clip(lo, hi);
    }
}
