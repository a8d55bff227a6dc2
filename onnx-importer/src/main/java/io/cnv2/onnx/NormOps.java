package io.cnv2.onnx;

import ai.onnx.proto.OnnxMl.NodeProto;
import io.cnv2.ir.BatchNorm;
import io.cnv2.ir.LayerNorm;
import io.cnv2.ir.Shape;
import io.cnv2.ir.Softmax;
import java.util.List;

/**
 * Normalisations and reductions: BatchNormalization (folded into the conv before it, else an affine
 * host op), LayerNormalization and Softmax (host, float), ReduceMean (host, fixed point).
 */
final class NormOps {
    private NormOps() {
    }

    static void register(Translators.Registry r) {
        r.add((t, name, n, at) -> {
            if (at.integer("training_mode", 0) != 0) {
                throw t.error(name, n, "training_mode=1 is not supported");
            }
            t.add(name, n, new BatchNorm(t.required(n, 1, "scale").tensor(), t.required(n, 2, "bias").tensor(),
                    t.required(n, 3, "mean").tensor(), t.required(n, 4, "var").tensor(),
                    at.real("epsilon", 1e-5f)), List.of(t.first(n)));
        }, "BatchNormalization");
        r.add((t, name, n, at) -> t.add(name, n, layerNorm(t, n, at), List.of(t.first(n))), "LayerNormalization");
        r.add((t, name, n, at) -> t.add(name, n, softmax(t, n, at), List.of(t.first(n))), "Softmax");
        r.add((t, name, n, at) -> {
            String x = t.first(n);
            // opset 18 moved the axes from an attribute to an input
            var red = OnnxOps.reduceMean(at, t.dynamicShape(n, 0),
                    t.opset() < 18 ? at.ints("axes", null) : t.optionalInts(n, 1));
            for (int a : red.axes()) {
                t.sampleAxis(a, x, t.dynamicShape(n, 0).rank());
            }
            t.add(name, n, red, List.of(x));
        }, "ReduceMean");
    }

    /** ONNX LayerNormalization: float stash type, only output Y (Mean and InvStdDev are training outputs). */
    static LayerNorm layerNorm(Translation t, NodeProto n, Attributes at) {
        if (at.integer("stash_type", 1) != 1) {
            throw new IllegalArgumentException("LayerNormalization stash_type " + at.integer("stash_type", 1)
                    + " is not supported (1, float, is)");
        }
        for (int i = 1; i < n.getOutputCount(); i++) {
            if (!n.getOutput(i).isEmpty()) {
                throw new IllegalArgumentException("LayerNormalization output " + i + " (Mean/InvStdDev) is not "
                        + "supported; cnv2 computes Y only");
            }
        }
        Shape x = t.dynamicShape(n, 0);
        int a = t.sampleAxis(at.integer("axis", -1), t.resolve(n.getInput(0)), x.rank());
        Const b = t.constant(n, 2, "bias");
        return new LayerNorm(a, at.real("epsilon", 1e-5f), t.required(n, 1, "scale").tensor(),
                b == null ? null : b.tensor());
    }

    static Softmax softmax(Translation t, NodeProto n, Attributes at) {
        Shape x = t.dynamicShape(n, 0);
        int a = t.sampleAxis(at.integer("axis", t.opset() < 13 ? 1 : -1), t.resolve(n.getInput(0)), x.rank());
        if (t.opset() < 13) {
            // before opset 13 Softmax flattens to 2-D at axis: the same as one axis only if the dims after it are 1
            for (int i = a + 1; i < x.rank(); i++) {
                if (x.dim(i) != 1) {
                    throw new IllegalArgumentException("Softmax (opset " + t.opset() + ") over axes " + a + ".. of " + x
                            + " is not supported");
                }
            }
        }
        return new Softmax(a);
    }
}
