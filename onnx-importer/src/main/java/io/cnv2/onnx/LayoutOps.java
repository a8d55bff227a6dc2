package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import io.cnv2.ir.Concat;
import io.cnv2.ir.Reshape;
import io.cnv2.ir.Shape;
import java.util.List;

/**
 * Ops that move or regroup values without arithmetic: Reshape, Flatten, Squeeze, Unsqueeze,
 * Transpose, Slice, Concat (the batch axis of a computed tensor may not be mixed: such a node goes
 * to the host).
 */
final class LayoutOps {
    private LayoutOps() {
    }

    static void register(Translators.Registry r) {
        r.add((t, name, n, at) -> t.add(name, n, new Reshape(Translation.reshaped(ConstantFolder.reshapeDims(name,
                Translation.dims(t.dynamicShape(n, 0)), t.required(n, 1, "shape").longs(),
                at.integer("allowzero", 0) != 0))), List.of(t.first(n))), "Reshape");
        r.add((t, name, n, at) -> t.add(name, n, new Reshape(Translation.reshaped(ConstantFolder.flattenDims(
                Translation.dims(t.dynamicShape(n, 0)), (int) at.integer("axis", 1)))), List.of(t.first(n))), "Flatten");
        r.add((t, name, n, at) -> squeeze(t, name, n, at, t.first(n)), "Squeeze");
        r.add((t, name, n, at) -> t.add(name, n, new Reshape(Translation.reshaped(ConstantFolder.unsqueezeDims(
                Translation.dims(t.dynamicShape(n, 0)), t.opset() < 13 ? at.ints("axes", null)
                        : t.required(n, 1, "axes").longs()))), List.of(t.first(n))), "Unsqueeze");
        r.add((t, name, n, at) -> {
            String x = t.first(n);
            var tr = OnnxOps.transpose(at, t.dynamicShape(n, 0));
            int b = t.batchAxis(x);
            t.add(name, n, tr, List.of(x));
            for (int i = 0; i < tr.perm().length; i++) {
                if (tr.perm()[i] == b) {
                    t.setBatchAxis(n.getOutput(0), i);
                }
            }
        }, "Transpose");
        r.add((t, name, n, at) -> slice(t, name, n, at, t.first(n)), "Slice");
        r.add((t, name, n, at) -> t.add(name, n, new Concat(t.sampleAxis(at.integer("axis", 1), t.first(n),
                t.dynamicShape(n, 0).rank())), t.operands(n)), "Concat");
    }

    /** Squeeze of a computed tensor; the batch axis may not go, and the axes before it shift it. */
    static void squeeze(Translation t, String name, NodeProto n, Attributes at, String x) {
        Shape s = t.dynamicShape(n, 0);
        long[] axes = t.opset() < 13 ? at.ints("axes", null) : t.optionalInts(n, 1);
        int b = t.batchAxis(x);
        if (axes == null) {
            throw new IllegalArgumentException("Squeeze without axes would remove the batch axis");
        }
        int before = 0;
        for (long a : axes) {
            int ax = t.sampleAxis(a, x, s.rank());
            before += ax < b ? 1 : 0;
        }
        t.add(name, n, new Reshape(Translation.reshaped(ConstantFolder.squeezeDims(Translation.dims(s), axes))), List.of(x));
        if (b - before != 0) {
            t.setBatchAxis(n.getOutput(0), b - before);
        }
    }

    static void slice(Translation t, String name, NodeProto n, Attributes at, String x) {
        Shape s = t.dynamicShape(n, 0);
        long[] starts = t.opset() < 10 ? at.ints("starts", null) : t.required(n, 1, "starts").longs();
        long[] ends = t.opset() < 10 ? at.ints("ends", null) : t.required(n, 2, "ends").longs();
        long[] axes = t.opset() < 10 ? at.ints("axes", null) : t.optionalInts(n, 3);
        long[] steps = t.opset() < 10 || n.getInputCount() <= 4 ? null : t.optionalInts(n, 4);
        io.cnv2.ir.Slice op = OnnxOps.slice(s, starts, ends, axes, steps);
        int b = t.batchAxis(x);
        for (int i = 0; i < starts.length; i++) {
            long a = axes == null ? i : axes[i] < 0 ? axes[i] + s.rank() : axes[i];
            // on the batch axis only "everything" is per sample: from 0, to the end, step 1
            if (a == b && (starts[i] != 0 || ends[i] < Integer.MAX_VALUE || steps != null && steps[i] != 1)) {
                throw new IllegalArgumentException("slicing the batch axis (" + b + ") is not supported; cnv2's IR "
                        + "runs one sample at a time");
            }
        }
        t.add(name, n, op, List.of(x));
    }
}
