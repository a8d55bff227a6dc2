package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import io.cnv2.ir.Dense;
import io.cnv2.ir.Eltwise;
import io.cnv2.ir.MatMul;
import io.cnv2.ir.Node;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Tensor;
import java.util.List;

/**
 * Element-wise arithmetic of two tensors (with ONNX broadcasting); an Add of a [K] constant to a
 * bias-less fully connected layer's only reader becomes that layer's bias.
 */
final class EltwiseOps {
    private EltwiseOps() {
    }

    static void register(Translators.Registry r) {
        r.add((t, name, n, at) -> eltwise(t, name, n), "Add", "Sub", "Mul", "Div", "Pow");
    }

    static void eltwise(Translation t, String name, NodeProto n) {
        Eltwise.Kind kind = Eltwise.Kind.valueOf(n.getOpType().toUpperCase(java.util.Locale.ROOT));
        List<String> in = t.operands(n);
        // MatMul followed by Add of a [K] constant is a fully connected layer with a bias
        Node producer = t.producer(in.get(0));
        Const b = t.constantValue(in.get(1));
        if (kind == Eltwise.Kind.ADD && producer != null && producer.op() instanceof Dense d && d.bias() == null
                && b != null && b.data().length == d.outputs() && t.readerCount(in.get(0)) == 1
                && !t.isGraphOutput(in.get(0))) {
            t.removeNode(in.get(0));
            Dense withBias = new Dense(d.weight(), new Tensor(Shape.of(d.outputs()), b.tensor().data()));
            t.add(producer.name(), n, withBias, producer.inputs());
            return;
        }
        t.add(name, n, new Eltwise(kind), in);
    }
}
