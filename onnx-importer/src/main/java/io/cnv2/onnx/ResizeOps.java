package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.List;

/**
 * Resize and Upsample (nearest and linear; the scales and sizes inputs moved between opsets 9, 10
 * and 11).
 */
final class ResizeOps {
    private ResizeOps() {
    }

    static void register(Translators.Registry r) {
        r.add((t, name, n, at) -> resize(t, name, n, at, t.first(n)), "Resize", "Upsample");
    }

    static void resize(Translation t, String name, NodeProto n, Attributes at, String x) {
        String op = n.getOpType();
        Const scales;
        Const sizes = null;
        if (op.equals("Upsample")) {
            scales = t.opset() < 9 ? Const.ints(new long[0]) : t.constant(n, 1, "scales");
            if (t.opset() < 9) {
                List<Float> f = at.raw("scales").getFloatsList();
                scales = new Const(new long[] {f.size()}, f.stream().mapToDouble(Float::doubleValue).toArray(), false);
            }
        } else if (t.opset() < 11) {
            scales = t.constant(n, 1, "scales");
        } else {
            scales = t.constant(n, 2, "scales");
            sizes = t.constant(n, 3, "sizes");
        }
        t.add(name, n, OnnxOps.resize(op, t.opset(), at, t.dynamicShape(n, 0), scales, sizes), List.of(x));
    }
}
